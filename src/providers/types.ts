/** The provider interface: what the handler needs from an ESP, and `defineProvider` for users' own. */

import * as v from 'valibot';
import { ConfigError, type FetchFn, HttpError, isHttpError } from '../errors.js';
import { type EmailTrackingContext, EmailTrackingContextSchema } from '../events.js';
import type { Logger } from '../log.js';
import type { RsaVerify } from '../runtime-hooks.js';
import { describeIssue } from '../schema.js';
import { inRange } from '../timestamp.js';
import { nestsTooDeep } from './body-text.js';
import { PATH_SEGMENT, rejectUnknownKeys } from './options.js';

/** A provider's own fetch on a request's path (an SNS certificate, a subscription confirmation). */
export const DEFAULT_FETCH_TIMEOUT_MS = 5_000;

/** What the handler lends a provider: no configuration, only the tools to reach out and tell time. */
export interface ProviderContext {
  readonly fetch: FetchFn;
  readonly now: () => Date;
  readonly logger: Logger;
  /** Deadline of each fetch the provider makes while a request waits (`fetchTimeoutMs`). */
  readonly fetchTimeoutMs?: number | undefined;
  /** The runtime's own RSA verification, when its adapter lends one; else use `crypto.subtle`. */
  readonly verifyRsa?: RsaVerify | undefined;
}

/** A request a provider accepted: the events it carried (none for a probe or a set-up message). */
export interface ProviderResult {
  readonly events: EmailTrackingContext[];
}

/** The result of a request that carried no event, shared by every provider that answers one. */
export const NO_EVENTS: ProviderResult = { events: [] };

/** A refusal: the same value every provider returns, turned into `{ ok: false, error, message }`. */
export type Refusal = HttpError;

type MaybePromise<T> = T | Promise<T>;

/** The request-time half of a provider, made once per handler (it may hold caches). */
export interface ProviderInstance {
  /** Runs before the body is read: `undefined` to go on, or a refusal. */
  authenticate?(request: Request): MaybePromise<Refusal | undefined>;
  /** Verifies the raw bytes, then parses them. Never throws for bad input: it refuses. */
  handle(request: Request, body: Uint8Array): MaybePromise<ProviderResult | Refusal>;
}

/** An ESP the handler receives from at `{basePath}/{path}`. Made by a factory such as `ses()`. */
export interface Provider {
  /** kebab-case; the `espName` of its events and the default path. */
  readonly name: string;
  /** The route segment under `basePath`. */
  readonly path: string;
  /** The HTTP methods the route answers; others get 405. */
  readonly methods: readonly string[];
  /** Start-up: check settings against the handler's, warn once, build caches. */
  start(context: ProviderContext): ProviderInstance;
}

/**
 * A context as a user's provider returns it: `rejectCategory` and `permanent` may be left out (a
 * provider written before they existed), and are then null, as on the wire.
 */
export type DefinedContext = Omit<EmailTrackingContext, 'rejectCategory' | 'permanent'> &
  Partial<Pick<EmailTrackingContext, 'rejectCategory' | 'permanent'>>;

/**
 * A refusal written by hand instead of with `refuse`: answered as `refuse(status, reason, message,
 * headers)` would answer it (a status outside 400–599 is the provider's bug, answered 500).
 */
export interface RefusalByHand {
  readonly status: number;
  readonly reason: string;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** What a user's `handle` may return: its events (a readonly array will do) or a refusal. */
export type DefinedResult =
  | { readonly events: readonly DefinedContext[] }
  | Refusal
  | RefusalByHand;

/** What `defineProvider` takes: a user's own ESP, with the shape of the built-in ones. */
export interface ProviderDefinition {
  readonly name: string;
  readonly path?: string | undefined;
  readonly methods?: readonly string[] | undefined;
  /** `undefined` (or `null`) to go on, or a refusal. */
  authenticate?(
    request: Request,
    context: ProviderContext,
  ): MaybePromise<Refusal | RefusalByHand | null | undefined>;
  handle(request: Request, body: Uint8Array, context: ProviderContext): MaybePromise<DefinedResult>;
}

const _NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const _METHOD = /^[A-Z]+$/;

/**
 * Checks what every provider shares: a kebab-case name, a one-segment path, upper-case methods.
 * A bad path is named `${pathWhere}.path`: `acme-mail.path`, as a built-in's, which the
 * environment readers report as its variable (`MAIL_WEBHOOK_ACME_MAIL_PATH`).
 */
export function checkProviderShape(
  name: string,
  path: string,
  methods: readonly string[],
  where: string,
  pathWhere = where,
): void {
  if (!_NAME.test(name)) {
    throw new ConfigError(
      `${where}.name`,
      `expected a kebab-case name, got ${JSON.stringify(name)}`,
    );
  }
  if (!PATH_SEGMENT.test(path)) {
    throw new ConfigError(
      `${pathWhere}.path`,
      `expected one path segment (letters, digits, . _ ~ -), got ${JSON.stringify(path)}`,
    );
  }
  if (methods.length === 0 || !methods.every((m) => _METHOD.test(m))) {
    throw new ConfigError(`${where}.methods`, 'expected HTTP methods such as ["POST"]');
  }
}

/**
 * Makes a provider from a definition, for an ESP mailhooks does not know.
 * @example
 * const acme = defineProvider({
 *   name: 'acme-mail',
 *   async handle(request, body) {
 *     if (request.headers.get('x-acme-token') !== 'secret') return refuse(403, 'secret-mismatch', 'wrong token');
 *     const event = JSON.parse(new TextDecoder().decode(body));
 *     return { events: [ ... ] };
 *   },
 * });
 * createMailWebhookHandler({ providers: [acme] });
 */
export function defineProvider(definition: ProviderDefinition): Provider {
  if (typeof definition !== 'object' || definition === null) {
    throw new ConfigError('defineProvider', 'expected a provider definition object');
  }
  // A misspelt `authenticat` must not leave the route unauthenticated.
  rejectUnknownKeys(
    definition,
    ['name', 'path', 'methods', 'authenticate', 'handle'],
    'defineProvider',
  );
  for (const hook of ['handle', 'authenticate'] as const) {
    const fn: unknown = definition[hook];
    if (typeof fn !== 'function' && (hook === 'handle' || fn !== undefined)) {
      throw new ConfigError(`defineProvider.${hook}`, 'expected a function');
    }
  }
  const { name, methods: given = ['POST'] } = definition;
  if (!Array.isArray(given) || !given.every((m) => typeof m === 'string')) {
    throw new ConfigError('defineProvider.methods', 'expected HTTP methods such as ["POST"]');
  }
  const path = definition.path ?? name;
  // Strings first: a regex would test `undefined` as the text "undefined", and pass it.
  for (const [field, value] of Object.entries({ name, path })) {
    if (typeof value !== 'string') {
      throw new ConfigError(`defineProvider.${field}`, 'expected a kebab-case string');
    }
  }
  const methods = given.map((m) => m.toUpperCase());
  checkProviderShape(name, path, methods, 'defineProvider', name);
  return {
    name,
    path,
    methods,
    start(context) {
      const { authenticate } = definition;
      return {
        authenticate:
          authenticate &&
          // Typed as the handler reads it: null goes on, and a value that is still no refusal
          // (a status refuse() would not make) is answered 500 as the provider's bug.
          (async (request) =>
            _byHand(await definition.authenticate?.(request, context)) as Refusal | undefined),
        handle: async (request, body) =>
          _checkedResult(name, _byHand(await definition.handle(request, body, context))),
      };
    },
  };
}

/**
 * A refusal written by hand, `{ status, reason, message, headers? }`, made with `refuse` so that
 * it answers like every other; one `refuse` would not make (status 200) is left as it is, which
 * the handler answers 500 as the provider's bug.
 */
function _byHand<T>(value: T): T | Refusal {
  if (typeof value !== 'object' || value === null || !('status' in value) || isHttpError(value)) {
    return value;
  }
  const { status, reason, message, headers } = value as Partial<Refusal>;
  try {
    return refuse(status as number, reason as string, message as string, headers);
  } catch {
    return value;
  }
}

/**
 * What a user's provider returned, checked before any sink sees it: each context must be a whole
 * `EmailTrackingContext` (a real Date between 1970 and 9999 and a `rawEvent` nested at most 64
 * deep, as the wire format and every queue consumer require; a known type; string tags and
 * metadata) whose `espName` is the provider's. A bad one is the provider's bug: answered 500 with a log line naming the provider and the field,
 * and nothing is delivered (the ESP retries once it is fixed). The sinks get an array of their own.
 */
function _checkedResult(name: string, result: DefinedResult): ProviderResult | Refusal {
  const events: unknown = (result as { events?: unknown } | null)?.events;
  if (!Array.isArray(events)) return result as Refusal;
  const bug = (problem: string) =>
    new HttpError(500, 'internal-error', 'internal error; see the logs', undefined, {
      error: `provider ${name} returned a bad event: ${problem}; this is a bug in it`,
    });
  // Left out, the two later fields are null, as a wire object of an older version decodes.
  const filled = events.map((event: unknown) =>
    typeof event === 'object' &&
    event !== null &&
    !('rejectCategory' in event && 'permanent' in event)
      ? { rejectCategory: null, permanent: null, ...event }
      : event,
  );
  for (const [index, event] of filled.entries()) {
    const checked = v.safeParse(EmailTrackingContextSchema, event);
    if (!checked.success) {
      const { field, detail } = describeIssue(checked.issues);
      return bug(`events[${index}].${field} ${detail}`);
    }
    const { espName, timestamp, eventId } = checked.output;
    // The store, the fan-out's webhook-id and every receiver drop duplicates by it: left empty,
    // one request's events would be dropped as another's. (A recipient may be empty, as a
    // built-in's is for an ESP event that names none.)
    if (!eventId) return bug(`events[${index}].eventId is empty`);
    if (espName !== name) {
      return bug(
        `events[${index}].espName is ${JSON.stringify(espName)}, not ${JSON.stringify(name)}`,
      );
    }
    if (!inRange(timestamp.getTime())) {
      return bug(
        `events[${index}].timestamp is ${timestamp.toISOString()}, outside 1970 to 9999 (the wire format's range)`,
      );
    }
    // The wire format refuses it: the store's history, read back, would answer 503 for good.
    if (nestsTooDeep(checked.output.rawEvent)) {
      return bug(`events[${index}].rawEvent nests more than 64 deep (the wire format's limit)`);
    }
  }
  return { events: filled as EmailTrackingContext[] };
}

// Headers the JSON answer sets itself: a refusal that replaced them would not look like the others.
const _OWN_HEADERS = ['content-type', 'content-length'];

/**
 * A refusal, as the built-in providers make them: a 4xx/5xx status, a reason in kebab-case
 * (`signature-invalid`) and a sentence for the person on call. Never put a secret in it.
 * `headers` are added to the JSON answer (`WWW-Authenticate`, `Retry-After`).
 * @throws TypeError when the status is not a whole number from 400 to 599, the reason or message
 * is not a string (or the reason is empty), or a header is invalid or one the answer sets itself
 * (`Content-Type`, `Content-Length`): a bug in the provider, answered 500 and logged.
 */
export function refuse(
  status: number,
  reason: string,
  message: string,
  headers?: Readonly<Record<string, string>>,
): Refusal {
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new TypeError(
      `refuse: status ${JSON.stringify(status)} is not a refusal; expected 400 to 599`,
    );
  }
  if (typeof reason !== 'string' || reason === '' || typeof message !== 'string') {
    throw new TypeError('refuse: expected a reason (kebab-case) and a message, both strings');
  }
  if (headers !== undefined) {
    // Throws for a header name or value no response can carry.
    for (const header of new Headers(headers).keys()) {
      if (_OWN_HEADERS.includes(header)) {
        throw new TypeError(`refuse: the answer sets ${header} itself`);
      }
    }
  }
  return new HttpError(status, reason, message, headers);
}
