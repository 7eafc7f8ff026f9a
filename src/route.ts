/** Reading the route out of a request without trusting it: the pathname, linearly, and a sane Host. */
import { IttyRouter } from 'itty-router/IttyRouter';

/**
 * The pathname of an absolute URL, read in one pass: no URL parser and no query parsing runs
 * on what a client sent (a 64 KB query string costs one scan). The query may start right after
 * the host: Deno's URL of `POST http://h?q=/x` is that target as sent, whose pathname is `/`.
 */
export function pathnameOf(url: string): string {
  const scheme = url.indexOf('://');
  const start = scheme < 0 ? 0 : url.indexOf('/', scheme + 3);
  if (start < 0) return '/';
  let end = url.length;
  for (let i = scheme + 1; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 63 /* ? */ || c === 35 /* # */) {
      end = i;
      break;
    }
  }
  return url.slice(start, end) || '/';
}

/**
 * A path as log lines and refusals name it: its first 200 characters. A route takes any number of
 * trailing slashes, and a 64 KB path copied into every event's line was 65 MB of log.
 */
export const shownPath = (path: string): string => path.slice(0, 200);

// A host name or IPv4 address, or a bracketed IPv6 address, with an optional port.
const _HOST = /^(?:[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** False for a Host header that could not come from a real client (and could steer a URL). */
export const isSaneHost = (host: string | null): boolean => host === null || _HOST.test(host);

// Characters a URL parser keeps as they are in a path (no dot segments, no escapes to decode or
// make): such a path is already its own normalized pathname.
const _PLAIN_PATH = /^(?:\/[\w~!$&'()*+,;=:@-]*)+$/;

const _NORMALIZING_ORIGIN = 'http://mailhooks.invalid';

/**
 * `path` as a URL parser normalizes it (dot segments resolved, characters escaped), which the
 * routes are matched against; a plain path is returned as it is, without building a URL. So is
 * one that does not start with `/`, which no route matches (Bun's URL of `CONNECT host:port` is
 * `host:port`, which would make the origin another host name and no URL at all).
 */
export const normalizedPath = (path: string): string =>
  _PLAIN_PATH.test(path) || path[0] !== '/' ? path : new URL(_NORMALIZING_ORIGIN + path).pathname;

/**
 * Matches `{basePath}/{segment}` (trailing slashes allowed) and returns the segment. The route
 * is an itty-router route, compiled by itty-router; it is matched here against the pathname
 * alone, because itty-router's own `fetch` parses the query string first (quadratic in repeated
 * keys, before any authentication). Built once per handler. The bare `IttyRouter`: the package
 * root also brings `Router`'s before/catch/finally and six response helpers, which a bundle
 * keeps (they are built at import) though nothing here uses them.
 */
export function segmentMatcher(basePath: string): (pathname: string) => string | undefined {
  const router = IttyRouter({ base: basePath });
  router.all('/:segment', () => undefined);
  const pattern = router.routes[0]?.[1];
  if (!pattern) throw new Error('itty-router compiled no route');
  return (pathname) => pattern.exec(pathname)?.groups?.segment;
}
