// One error class for everything Portico throws on purpose. Tests match on `code`, never on
// the text; `statusCode` is set only where HTTP applies.

/** ERROR_CODES lists every stable error code Portico uses. */
export const ERROR_CODES = {
  BAD_INPUT: 'PORTICO_BAD_INPUT',
  NOT_FOUND: 'PORTICO_NOT_FOUND',
  CONFLICT: 'PORTICO_CONFLICT',
  UNAUTHORIZED: 'PORTICO_UNAUTHORIZED',
  FORBIDDEN: 'PORTICO_FORBIDDEN',
  RATE_LIMITED: 'PORTICO_RATE_LIMITED',
  CONFIG: 'PORTICO_CONFIG',
  CODE_SPACE_EXHAUSTED: 'PORTICO_CODE_SPACE_EXHAUSTED',
  MIGRATION: 'PORTICO_MIGRATION',
  STARTUP: 'PORTICO_STARTUP',
  /** An outgoing request (calendar feed, webhook) failed or was refused by the address guard. */
  OUTBOUND: 'PORTICO_OUTBOUND',
  /** A calendar feed was fetched but is not a usable iCalendar. */
  FEED_INVALID: 'PORTICO_FEED_INVALID',
} as const;
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

const STATUS: Partial<Record<ErrorCode, number>> = {
  PORTICO_BAD_INPUT: 400,
  PORTICO_UNAUTHORIZED: 401,
  PORTICO_FORBIDDEN: 403,
  PORTICO_NOT_FOUND: 404,
  PORTICO_CONFLICT: 409,
  PORTICO_RATE_LIMITED: 429,
};

/** FieldError names one input field and what is wrong with it. */
export type FieldError = { field: string; message: string };

/** PorticoError is the base error: a stable `code`, a message that says what to fix, a cause. */
export class PorticoError extends Error {
  override readonly name = 'PorticoError';
  readonly code: ErrorCode;
  readonly statusCode: number | undefined;
  readonly fields: FieldError[];

  constructor(
    code: ErrorCode,
    message: string,
    opts: { cause?: unknown; fields?: FieldError[] } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.statusCode = STATUS[code];
    this.fields = opts.fields ?? [];
  }
}

/** badInput returns a PORTICO_BAD_INPUT error listing every field that needs fixing. */
export function badInput(fields: FieldError[]): PorticoError {
  const message = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
  return new PorticoError(ERROR_CODES.BAD_INPUT, message, { fields });
}

/** notFound returns a PORTICO_NOT_FOUND error for `what`. */
export function notFound(what: string): PorticoError {
  return new PorticoError(ERROR_CODES.NOT_FOUND, `${what} not found`);
}
