/** Rooms, dms and membership (API.md "Rooms"): thin adapters over the room services. */
import {
  AddMemberBody,
  CreateRoomBody,
  Member,
  OpenDmBody,
  Room,
  UpdateRoomBody,
} from '@parley/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import { requireActor } from './auth.js';
import {
  chatErrors as errors,
  MemberParams,
  NoContent,
  RoomParams,
  security,
} from './chat.schemas.js';

export const roomRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const { rooms, members, dms } = ctx.chat;
  const tags = ['rooms'];

  app.get(
    '/api/v1/rooms',
    {
      schema: {
        tags,
        security,
        summary: 'Your rooms (with unread counts and last message), or every public channel',
        querystring: Type.Object({
          scope: Type.Union([Type.Literal('joined'), Type.Literal('public')], {
            default: 'joined',
          }),
        }),
        response: { 200: Type.Object({ rooms: Type.Array(Room) }), ...errors },
      },
    },
    async (request) => ({ rooms: await rooms.list(requireActor(request), request.query.scope) }),
  );

  app.post(
    '/api/v1/rooms',
    {
      schema: {
        tags,
        security,
        summary: 'Create a channel; you become its owner (guests cannot)',
        body: CreateRoomBody,
        response: { 201: Room, ...errors },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await rooms.create(requireActor(request), request.body)),
  );

  app.post(
    '/api/v1/dms',
    {
      schema: {
        tags,
        security,
        summary: 'Open the dm with these users (the same set of users always gets the same room)',
        body: OpenDmBody,
        response: { 200: Room, 201: Room, ...errors },
      },
    },
    async (request, reply) => {
      const { room, created } = await dms.open(requireActor(request), request.body.user_ids);
      return reply.code(created ? 201 : 200).send(room);
    },
  );

  app.get(
    '/api/v1/rooms/:room_id',
    {
      schema: {
        tags,
        security,
        summary: 'One room (404 for private rooms and dms you are not in)',
        params: RoomParams,
        response: { 200: Room, ...errors },
      },
    },
    async (request) => rooms.get(requireActor(request), request.params.room_id),
  );

  app.patch(
    '/api/v1/rooms/:room_id',
    {
      schema: {
        tags,
        security,
        summary: 'Rename or change the topic (owner or admin)',
        params: RoomParams,
        body: UpdateRoomBody,
        response: { 200: Room, ...errors },
      },
    },
    async (request) => rooms.update(requireActor(request), request.params.room_id, request.body),
  );

  app.delete(
    '/api/v1/rooms/:room_id',
    {
      schema: {
        tags,
        security,
        summary: 'Archive the room: read-only from now on (owner or admin)',
        params: RoomParams,
        response: { 204: NoContent, ...errors },
      },
    },
    async (request, reply) => {
      await rooms.archive(requireActor(request), request.params.room_id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/rooms/:room_id/join',
    {
      schema: {
        tags,
        security,
        summary: 'Join a public channel (private ones need an invitation)',
        params: RoomParams,
        response: { 200: Room, ...errors },
      },
    },
    async (request) => members.join(requireActor(request), request.params.room_id),
  );

  app.post(
    '/api/v1/rooms/:room_id/leave',
    {
      schema: {
        tags,
        security,
        summary: 'Leave a room',
        params: RoomParams,
        response: { 204: NoContent, ...errors },
      },
    },
    async (request, reply) => {
      await members.leave(requireActor(request), request.params.room_id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/rooms/:room_id/members',
    {
      schema: {
        tags,
        security,
        summary: 'Members of a room',
        params: RoomParams,
        response: { 200: Type.Object({ members: Type.Array(Member) }), ...errors },
      },
    },
    async (request) => ({
      members: await members.members(requireActor(request), request.params.room_id),
    }),
  );

  app.post(
    '/api/v1/rooms/:room_id/members',
    {
      schema: {
        tags,
        security,
        summary: 'Invite a user (owner or moderator), or change a member’s role (owner)',
        params: RoomParams,
        body: AddMemberBody,
        response: { 200: Member, 201: Member, ...errors },
      },
    },
    async (request, reply) => {
      const { member, created } = await members.add(requireActor(request), request.params.room_id, {
        userId: request.body.user_id,
        role: request.body.role,
      });
      return reply.code(created ? 201 : 200).send(member);
    },
  );

  app.delete(
    '/api/v1/rooms/:room_id/members/:user_id',
    {
      schema: {
        tags,
        security,
        summary: 'Remove a member (owner or moderator, over members below them)',
        params: MemberParams,
        response: { 204: NoContent, ...errors },
      },
    },
    async (request, reply) => {
      await members.kick(requireActor(request), request.params.room_id, request.params.user_id);
      return reply.code(204).send(null);
    },
  );
};
