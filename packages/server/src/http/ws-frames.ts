/**
 * Decoding of client WebSocket frames: JSON text → a typed frame, validated with the protocol's
 * own schemas (compiled once). A frame that is not JSON, has no known `type`, or does not match its
 * schema yields an `AppError('invalid_request')` naming the offending field, which the connection
 * answers with an `error` frame; the socket stays open.
 */
import { CLIENT_FRAMES, type ClientFrame, type ClientFrameType } from '@parley/protocol';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { AppError } from '../errors.js';

const CHECKS = Object.fromEntries(
  Object.entries(CLIENT_FRAMES).map(([type, schema]) => [
    type,
    TypeCompiler.Compile(schema as TSchema),
  ]),
) as Record<ClientFrameType, TypeCheck<TSchema>>;

export type AnyClientFrame = ClientFrame[ClientFrameType];

export function decodeFrame(raw: string): AnyClientFrame {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new AppError('invalid_request', 'frame is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new AppError('invalid_request', 'frame must be a JSON object');
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(CHECKS, type))
    throw new AppError(
      'invalid_request',
      `unknown frame type; expected one of ${Object.keys(CHECKS).join(', ')}`,
      [{ field: 'type', message: 'is not a known frame type' }],
    );
  const check = CHECKS[type as ClientFrameType];
  if (!check.Check(value)) {
    const details = [...check.Errors(value)].slice(0, 5).map((e) => ({
      field: ['frame', ...e.path.split('/').filter(Boolean)].join('.'),
      message: e.message,
    }));
    const first = details[0];
    throw new AppError(
      'invalid_request',
      first ? `${first.field}: ${first.message}` : 'invalid frame',
      details,
    );
  }
  return value as AnyClientFrame;
}
