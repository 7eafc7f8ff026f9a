/** Refusals as values: a status, a machine-readable reason and a sentence for the person on call. */

/**
 * A refusal the handler turns into a JSON response. Returned, never thrown, inside the core.
 * `message` is public: it names the rule, never a secret or a configuration value; `logged`
 * carries what only the refusal's log line may show (the configured limit, the header expected).
 */
export class HttpError {
  readonly message: string;
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    readonly logged?: Readonly<Record<string, string | number>>,
  ) {
    // A message quotes what it refuses: a 1 MB field must not come back, nor fill a log line.
    this.message =
      message.length > MESSAGE_MAX
        ? `${message.slice(0, MESSAGE_MAX)}… (${message.length} characters)`
        : message;
  }
}

/** The longest refusal message kept whole; longer ones are cut there (a quoted field, mostly). */
const MESSAGE_MAX = 1000;

/** Thrown at start-up when settings are wrong; `setting` names the option or variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly setting: string,
    /** What is wrong, without the setting's name. */
    readonly detail: string,
  ) {
    super(`${setting}: ${detail}`);
  }
}

/**
 * What a `fetch` option takes: `globalThis.fetch`, or any function with its call signature. Not
 * `typeof fetch`, which in Bun also requires `fetch.preconnect` that a wrapper or a mock lacks.
 */
export type FetchFn = (...args: Parameters<typeof fetch>) => Promise<Response>;

/**
 * Fetch, looked up on each call: a test or polyfill that replaces `globalThis.fetch` after
 * start-up is honoured.
 */
export const lateBoundFetch: FetchFn = (input, init) => globalThis.fetch(input, init);

/** The clock a `now` option defaults to. */
export const systemClock = (): Date => new Date();

export const badRequest = (reason: string, message: string): HttpError =>
  new HttpError(400, reason, message);

/** 403; `logged` goes in the refusal's log line only (the limit or the anchors configured). */
export const forbidden = (
  reason: string,
  message: string,
  logged?: HttpError['logged'],
): HttpError => new HttpError(403, reason, message, undefined, logged);

/** 503; `logged` goes in the refusal's log line only (which sink failed, and why). */
export const unavailable = (
  reason: string,
  message: string,
  logged?: HttpError['logged'],
): HttpError => new HttpError(503, reason, message, undefined, logged);

/** 405 with the `Allow` header: `method` is not one of `allow` (a comma list). */
export const methodNotAllowed = (method: string, allow: string): HttpError =>
  new HttpError(405, 'method-not-allowed', `${method} is not allowed; use ${allow}`, { allow });

export const isHttpError = (value: unknown): value is HttpError => value instanceof HttpError;

export const JSON_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json; charset=utf-8',
};

/**
 * Builds a JSON response from its serialised body. The core's answers all go through one of these;
 * `mailhooks/node` lends one whose body its bridge writes without a web stream.
 */
export type JsonAnswer = (
  status: number,
  json: string,
  headers?: Readonly<Record<string, string>>,
) => Response;

/** The `JsonAnswer` of every runtime: a fetch `Response`. */
export const jsonAnswer: JsonAnswer = (status, json, headers) =>
  new Response(json, {
    status,
    headers: headers ? { ...JSON_HEADERS, ...headers } : JSON_HEADERS,
  });

/** A JSON response with the given status. */
export function jsonResponse(
  status: number,
  body: unknown,
  headers?: Readonly<Record<string, string>>,
): Response {
  return jsonAnswer(status, JSON.stringify(body), headers);
}

/** A refusal's body: `{ ok: false, error, message }`. */
export const errorJson = (error: HttpError): string =>
  JSON.stringify({ ok: false, error: error.reason, message: error.message });

/** The one place a refusal becomes a response. */
export function errorResponse(error: HttpError, answer: JsonAnswer = jsonAnswer): Response {
  return answer(error.status, errorJson(error), error.headers);
}

/** `value[key]` (a thrown value's `reason`, a sink's or store's `name`); none where a getter or proxy throws. */
export function readSafely(value: unknown, key: string): unknown {
  try {
    return (value as Record<string, unknown> | undefined)?.[key];
  } catch {
    return undefined;
  }
}

/** A short, log-safe description of anything thrown; `bare`: an error's message without its name. */
export function describeThrown(thrown: unknown, bare?: true): string {
  // Getters and proxies run code: reading a name or a message may throw as well.
  try {
    return thrown instanceof Error
      ? `${bare ? '' : `${thrown.name}: `}${thrown.message}`
      : String(thrown);
  } catch {
    return 'unprintable value';
  }
}

/**
 * `describeThrown`, with the cause (Node's fetch says only "fetch failed"; the cause tells a
 * refused connection from DNS or TLS; a host with several addresses fails with an AggregateError
 * of no message, so its errors are shown).
 */
export function describeWithCause(thrown: unknown): string {
  const cause = (thrown as { cause?: { errors?: unknown } } | null)?.cause;
  const causes = cause ? (Array.isArray(cause.errors) ? cause.errors : [cause]) : [];
  return `${describeThrown(thrown)}${causes.length ? ` (${causes.map((cause) => describeThrown(cause)).join('; ')})` : ''}`;
}
