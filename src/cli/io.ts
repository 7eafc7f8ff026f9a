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

/**
 * An answer to a POST to `url` as printed: the status line, where a redirect points (shown as
 * `showUrl` shows it), then its body `text`.
 */
export function printAnswer(io: CliIo, url: string, response: Response, text: string): void {
  io.out(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  const location = response.headers.get('location');
  // Never followed (a signature is for its URL, and fetch would turn the POST into a GET): an
  // http:// URL that the host moves to https:// is said, not left as a bare 301.
  if (response.status >= 300 && response.status < 400 && location && URL.canParse(location, url)) {
    io.out(
      `redirected to ${showUrl(new URL(location, url).href)}, not followed: post to it with --to`,
    );
  }
  if (text) io.out(text);
}
