/** Refusals as values: a status, a machine-readable reason and a sentence for the person on call. */

/** A refusal the handler turns into a JSON response. Returned, never thrown, inside the core. */
export class HttpError {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {}
}

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
 * Fetch, looked up on each call: a test or polyfill that replaces `globalThis.fetch` after
 * start-up is honoured.
 */
export const lateBoundFetch: typeof fetch = (input, init) => globalThis.fetch(input, init);

export const badRequest = (reason: string, message: string): HttpError =>
  new HttpError(400, reason, message);

export const forbidden = (reason: string, message: string): HttpError =>
  new HttpError(403, reason, message);

export const unavailable = (reason: string, message: string): HttpError =>
  new HttpError(503, reason, message);

export const isHttpError = (value: unknown): value is HttpError => value instanceof HttpError;

/** A JSON response with the given status. */
export function jsonResponse(
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/** The one place a refusal becomes a response: `{ ok: false, error, message }`. */
export function errorResponse(error: HttpError): Response {
  return jsonResponse(
    error.status,
    { ok: false, error: error.reason, message: error.message },
    error.headers,
  );
}

/** A short, log-safe description of anything thrown. */
export function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return `${thrown.name}: ${thrown.message}`;
  try {
    return String(thrown);
  } catch {
    return 'unprintable value';
  }
}
