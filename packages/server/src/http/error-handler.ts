/**
 * The one boundary where errors become HTTP responses in API.md's shape:
 * `{"error": {"code", "message", "details?"}}`. Domain `AppError`s carry their own code; Fastify's
 * own errors (validation, bad JSON, body too large, wrong content type, unknown route) are mapped
 * by status; anything else is a 500 whose details stay in the log, never in the response.
 */
import type { Socket } from 'node:net';
import type { ErrorObject } from 'ajv';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorBody, type ErrorCode } from '../errors.js';
import type { App } from './types.js';
import { describeValidation } from './validation-errors.js';

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'invalid_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  431: 'header_too_large',
  503: 'unavailable',
};

export function toAppError(err: FastifyError | Error): AppError {
  if (err instanceof AppError) return err;
  const fe = err as FastifyError & {
    validation?: ErrorObject[];
    validationContext?: string;
  };
  if (fe.validation) {
    const details = describeValidation(fe.validation, fe.validationContext ?? 'body');
    const first = details[0];
    return new AppError(
      'invalid_request',
      first ? `${first.field} ${first.message}` : 'invalid request',
      details,
    );
  }
  const status = fe.statusCode ?? 500;
  const code = CODE_BY_STATUS[status];
  if (code && status < 500) return new AppError(code, clientMessage(fe, status));
  if (code === 'unavailable') return new AppError(code, 'service unavailable');
  return new AppError('internal', 'internal server error');
}

function clientMessage(err: FastifyError, status: number): string {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported content type; send application/json';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'request body is too large';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'request body is not valid JSON';
    default:
      // SyntaxError from the JSON parser has no code but a 400 status.
      if (err instanceof SyntaxError) return 'request body is not valid JSON';
      return status < 500 && err.message ? err.message : 'request failed';
  }
}

export function sendError(reply: FastifyReply, err: AppError): FastifyReply {
  if (err.code === 'rate_limited' && !reply.hasHeader('retry-after'))
    reply.header('retry-after', '1');
  return reply.code(err.status).type('application/json; charset=utf-8').send(err.toBody());
}

export function registerErrorHandling(app: App): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const appErr = toAppError(err);
    if (appErr.status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: appErr.code, msg: appErr.message }, 'request rejected');
    return sendError(reply, appErr);
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
    sendError(
      reply,
      new AppError('not_found', `no route for ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
}

/** Errors the HTTP parser raises before Fastify sees a request (oversized headers or URL, garbage). */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const body: ErrorBody = {
    error: tooLarge
      ? { code: 'header_too_large', message: 'request headers or URL are too large' }
      : { code: 'invalid_request', message: 'malformed HTTP request' },
  };
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
  );
}
