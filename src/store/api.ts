/** The store's HTTP routes: the suppression list and the event history, behind a bearer token. */
import { checkSharedSecret } from '../auth.js';
import {
  badRequest,
  describeThrown,
  HttpError,
  jsonResponse,
  methodNotAllowed,
  readSafely,
  unavailable,
} from '../errors.js';
import { TRACKING_EVENT_TYPES, type TrackingEventType } from '../events.js';
import type { Logger } from '../log.js';
import { toWireObject } from '../wire.js';
import { within } from './pipeline.js';
import { type EventQuery, type EventStore, MAX_EVENT_LIMIT } from './types.js';

/** The provider paths these routes take when served. */
export const STORE_ROUTE_PATHS = ['suppressions', 'events'] as const;

// The events route's query string is parsed only after the token matched, and only this long.
const _MAX_QUERY_CHARS = 2048;
const _MAX_ADDRESS_CHARS = 320;
const _QUERY_NAMES = ['recipient', 'messageId', 'type', 'limit', 'next'];

export interface StoreApiOptions {
  readonly store: EventStore;
  readonly apiToken: string;
  readonly basePath: string;
  readonly logger: Logger;
  /** How long a store call may take before the route answers 503 (`deliveryTimeoutMs`). */
  readonly timeoutMs: number;
}

/** Answers a store route with a response or a refusal; undefined for any other path. */
export type StoreApi = (
  request: Request,
  path: string,
) => Promise<Response | HttpError> | undefined;

/** The address in `/suppressions/{email}`, percent-decoded, or a 400. */
function _address(segment: string): string | HttpError {
  let email: string;
  try {
    // Trimmed as the store trims it: blanks around an @ are no address.
    email = decodeURIComponent(segment).trim();
  } catch {
    return badRequest('invalid-address', 'the address is not valid percent-encoding');
  }
  const at = email.lastIndexOf('@');
  if (email.length > _MAX_ADDRESS_CHARS || at < 1 || at === email.length - 1) {
    return badRequest('invalid-address', 'expected an e-mail address such as jane@example.com');
  }
  return email;
}

/** `path` without its trailing slashes, as the provider routes take it (one linear scan). */
function _trimSlashes(path: string): string {
  let end = path.length;
  while (end > 1 && path.charCodeAt(end - 1) === 47 /* / */) end--;
  return path.slice(0, end);
}

/**
 * `limit`: a whole number from 1; every value over the maximum reads as the maximum, however
 * many digits it has.
 */
function _limit(text: string): number | HttpError {
  const count = /^\d+$/.test(text) ? Math.min(Number(text), MAX_EVENT_LIMIT) : 0;
  if (count < 1) {
    return badRequest(
      'invalid-query',
      `limit must be a whole number from 1 to ${MAX_EVENT_LIMIT} (a larger one reads as ${MAX_EVENT_LIMIT})`,
    );
  }
  return count;
}

/**
 * `recipient`, `messageId`, `type`, `limit`, `next` from the URL's query; empty values are absent.
 * A `+` is a plus, not a space as in form encoding: `recipient=jane+news@example.com` is that
 * address (`%2B` works too). A parameter given twice, or percent-encoding that is no UTF-8 text, is a 400:
 * which of two values a proxy or a log went by is a guess, and U+FFFD matches no address.
 */
export function parseEventQuery(url: string): EventQuery | HttpError {
  const mark = url.indexOf('?');
  if (mark < 0) return {};
  const hash = url.indexOf('#', mark);
  const text = url.slice(mark + 1, hash < 0 ? undefined : hash);
  if (text.length > _MAX_QUERY_CHARS) {
    return badRequest('invalid-query', `the query string is over ${_MAX_QUERY_CHARS} characters`);
  }
  const query: Record<string, string> = {};
  const given: string[] = [];
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    let name: string;
    let value: string;
    try {
      // decodeURIComponent leaves `+` a plus: plus-addressing is common, and no address or
      // message id holds a space.
      name = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
      value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
    } catch {
      return badRequest('invalid-query', 'the query string is not valid percent-encoding');
    }
    if (!_QUERY_NAMES.includes(name)) {
      return badRequest(
        'invalid-query',
        `unknown query parameter "${name}"; use ${_QUERY_NAMES.join(', ')}`,
      );
    }
    if (given.includes(name)) return badRequest('invalid-query', `${name} is given more than once`);
    given.push(name);
    if (value !== '') query[name] = value;
  }
  const { recipient, messageId, type, limit, next } = query;
  if (type !== undefined && !(TRACKING_EVENT_TYPES as readonly string[]).includes(type)) {
    return badRequest('invalid-query', `type must be one of ${TRACKING_EVENT_TYPES.join(', ')}`);
  }
  const count = limit === undefined ? undefined : _limit(limit);
  if (count instanceof HttpError) return count;
  if (next && !/^\d+$/.test(next))
    return badRequest('invalid-query', 'next must be a whole number');
  return {
    recipient,
    messageId,
    eventType: type as TrackingEventType | undefined,
    limit: count,
    next: Number(next) || undefined,
  };
}

/** The routes under `basePath`, or undefined when the store serves none (no `apiToken`). */
export function createStoreApi(options: StoreApiOptions): StoreApi {
  const { store, apiToken, basePath, logger, timeoutMs } = options;
  const suppressions = `${basePath}/suppressions/`;
  const events = `${basePath}/events`;
  const secret = { token: [apiToken] };

  // Which store failed and why go in the refusal's one log line (a name getter that throws too
  // leaves it unnamed, not the handler's 500).
  const failed = (error: unknown) =>
    unavailable('store-failed', 'the event store failed; retry later', {
      store: readSafely(store, 'name') as string,
      error: describeThrown(error),
    });

  async function suppression(request: Request, segment: string): Promise<Response | HttpError> {
    const refused = await checkSharedSecret(request, secret, 'mailhooks');
    if (refused) return refused;
    if (request.method !== 'GET' && request.method !== 'DELETE') {
      return methodNotAllowed(request.method, 'GET, DELETE');
    }
    const email = _address(segment);
    if (email instanceof HttpError) return email;
    // A store that never answers holds no request past the deadline deliveries have.
    try {
      if (request.method === 'DELETE') {
        const lifted = await within(store.unsuppress(email), timeoutMs);
        if (lifted)
          logger.info('suppression lifted', { store: readSafely(store, 'name') as string });
        return jsonResponse(200, { suppressed: false });
      }
      const record = await within(store.suppression(email), timeoutMs);
      return jsonResponse(
        200,
        record
          ? {
              suppressed: true,
              reason: record.reason,
              provider: record.provider,
              since: record.since.toISOString(),
            }
          : { suppressed: false },
      );
    } catch (error) {
      return failed(error);
    }
  }

  async function history(request: Request): Promise<Response | HttpError> {
    const refused = await checkSharedSecret(request, secret, 'mailhooks');
    if (refused) return refused;
    if (request.method !== 'GET') return methodNotAllowed(request.method, 'GET');
    const query = parseEventQuery(request.url);
    if (query instanceof HttpError) return query;
    try {
      const found = await within(store.events(query), timeoutMs);
      return jsonResponse(200, { events: found.map(toWireObject), next: found.next });
    } catch (error) {
      return failed(error);
    }
  }

  return (request, pathname) => {
    // A trailing slash is accepted here as on the provider routes.
    const path = _trimSlashes(pathname);
    if (path === events) return history(request);
    // `suppressions/` with no address is this route without its address (a 400), not a 404.
    if (`${path}/`.startsWith(suppressions)) {
      const segment = path.slice(suppressions.length);
      if (!segment.includes('/')) return suppression(request, segment);
    }
    return undefined;
  };
}
