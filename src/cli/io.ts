/** What the commands use of the outside world, so tests can run them without a process. */

export interface CliIo {
  readonly fetch: typeof fetch;
  /** A line (or block) for stdout. */
  readonly out: (text: string) => void;
  /** A line (or block) for stderr. */
  readonly err: (text: string) => void;
  readonly readFile: (path: string) => Promise<string>;
  readonly now: () => Date;
  /** The package's version, for `mailhooks --version`. */
  readonly version?: () => Promise<string>;
}

/** Exit codes: 0 sent and answered 2xx, 1 refused or unreachable, 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_REFUSED = 1;
export const EXIT_USAGE = 2;

/** How long `send` and `trigger` wait for a server's whole answer. */
export const ANSWER_TIMEOUT_MS = 30_000;

/** A URL as shown in output: origin and path, never userinfo or a query (they may hold tokens). */
export function showUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

/**
 * `text` with `url` shown as `showUrl` shows it: error messages (Node's fetch) may quote the URL
 * whole, as given or as parsed, userinfo and query included.
 */
export function redactUrl(text: string, url: string): string {
  const shown = showUrl(url);
  return [url, new URL(url).href].reduce((out, raw) => out.split(raw).join(shown), text);
}

/** An answer as printed: the status line, then its body `text`. */
export function printAnswer(io: CliIo, response: Response, text: string): void {
  io.out(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  if (text) io.out(text);
}
