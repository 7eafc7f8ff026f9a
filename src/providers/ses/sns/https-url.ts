/** Splits an https URL from its raw text, so nothing WHATWG URL parsing would normalize slips by. */

import { parseUrl } from '../../../parse-url.js';

/** What makes a URL unusable before its host and path are even looked at. */
export type UrlFault = 'invalid' | 'scheme' | 'credentials' | 'port' | 'fragment';

/** The raw pieces of an `https://` URL: host, path and query exactly as written. */
export interface HttpsUrl {
  readonly url: URL;
  readonly host: string;
  readonly path: string;
  readonly query: string | undefined;
}

export interface UrlProblem {
  readonly fault: UrlFault;
  readonly detail: string;
}

// Only printable ASCII: URL parsing turns "\" into "/", drops tabs and newlines, trims spaces
// and controls, and maps non-ASCII hosts to punycode.
const NEVER_IN_URL = /[^!-~]|\\/;

/** Reads `raw` as an https URL with no credentials, port or fragment, or says what is wrong. */
export function readHttpsUrl(raw: string): HttpsUrl | UrlProblem {
  const url = parseUrl(raw);
  if (!url || NEVER_IN_URL.test(raw)) {
    return { fault: 'invalid', detail: 'is not a well-formed URL' };
  }
  // The raw prefix is checked as well: URL would also accept "HTTPS:" or "https:/host".
  if (url.protocol !== 'https:' || !raw.startsWith('https://')) {
    return { fault: 'scheme', detail: 'does not start with https://' };
  }
  const rest = raw.slice('https://'.length);
  const hostEnd = rest.search(/[/?#]|$/);
  const host = rest.slice(0, hostEnd);
  if (host.includes('@') || url.username !== '' || url.password !== '') {
    return { fault: 'credentials', detail: 'carries a user name or password' };
  }
  // URL drops a default ":443", so the raw text is what tells whether a port was written.
  if (/:\d*$/.test(host) || url.port !== '') {
    return { fault: 'port', detail: 'names a port' };
  }
  if (raw.includes('#')) return { fault: 'fragment', detail: 'has a fragment (#)' };
  const tail = rest.slice(hostEnd);
  const queryStart = tail.indexOf('?');
  const path = queryStart < 0 ? tail : tail.slice(0, queryStart);
  const query = queryStart < 0 ? undefined : tail.slice(queryStart + 1);
  return { url, host, path, query };
}

export const isUrlProblem = (value: HttpsUrl | UrlProblem): value is UrlProblem => 'fault' in value;
