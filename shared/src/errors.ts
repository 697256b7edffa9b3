/**
 * Typed errors with a stable code. One table maps each code to an HTTP status and a
 * WebSocket close code, so the API and the collaboration server answer the same
 * failure the same way.
 */
export const errorCodes = {
  BAD_REQUEST: { http: 400, ws: 1003, title: 'Bad request' },
  UNAUTHENTICATED: { http: 401, ws: 4401, title: 'Unauthenticated' },
  FORBIDDEN: { http: 403, ws: 4403, title: 'Forbidden' },
  NOT_FOUND: { http: 404, ws: 4404, title: 'Not found' },
  METHOD_NOT_ALLOWED: { http: 405, ws: 1003, title: 'Method not allowed' },
  CONFLICT: { http: 409, ws: 4409, title: 'Conflict' },
  PRECONDITION_FAILED: { http: 412, ws: 4412, title: 'Precondition failed' },
  PAYLOAD_TOO_LARGE: { http: 413, ws: 1009, title: 'Payload too large' },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, ws: 1003, title: 'Unsupported media type' },
  RATE_LIMITED: { http: 429, ws: 4429, title: 'Too many requests' },
  UNAVAILABLE: { http: 503, ws: 1013, title: 'Service unavailable' },
  INTERNAL: { http: 500, ws: 1011, title: 'Internal error' },
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class FolioError extends Error {
  override readonly name = 'FolioError';
  readonly code: ErrorCode;
  /** The offending input field, for validation errors. */
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options?: { field?: string; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.code = code;
    this.field = options?.field;
  }

  get httpStatus(): number {
    return errorCodes[this.code].http;
  }

  get wsCloseCode(): number {
    return errorCodes[this.code].ws;
  }
}

export const isFolioError = (error: unknown): error is FolioError => error instanceof FolioError;
