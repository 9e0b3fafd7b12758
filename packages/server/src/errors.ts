/**
 * The closed catalogue of error codes (API.md "Conventions"). Domain code throws `AppError`;
 * each transport maps it to its own wire shape at exactly one boundary (see http/error-handler.ts).
 */
export const ERROR_STATUS = {
  invalid_request: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  token_expired: 401,
  forbidden: 403,
  guests_disabled: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  username_taken: 409,
  room_name_taken: 409,
  room_archived: 409,
  idempotency_key_reused: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  /** Link preview: the URL's target is private, loopback, link-local or otherwise refused. */
  url_not_allowed: 422,
  /** Link preview: the page could not be fetched (timeout, HTTP error, not HTML). */
  unfurl_failed: 422,
  rate_limited: 429,
  header_too_large: 431,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_STATUS[code];
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

export const notFound = (what = 'resource'): AppError =>
  new AppError('not_found', `${what} not found`);
export const forbidden = (message = 'you may not do that'): AppError =>
  new AppError('forbidden', message);
export const invalid = (message: string, details?: unknown): AppError =>
  new AppError('invalid_request', message, details);
