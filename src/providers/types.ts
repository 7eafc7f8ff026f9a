/** The provider interface: what the handler needs from an ESP, and `defineProvider` for users' own. */

import * as v from 'valibot';
import { ConfigError, HttpError } from '../errors.js';
import { type EmailTrackingContext, EmailTrackingContextSchema } from '../events.js';
import type { Logger } from '../log.js';
import type { RsaVerify } from '../runtime-hooks.js';
import { describeIssue } from '../schema.js';
import { rejectUnknownKeys } from './options.js';

/** What the handler lends a provider: no configuration, only the tools to reach out and tell time. */
export interface ProviderContext {
  readonly fetch: typeof fetch;
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

/** What `defineProvider` takes: a user's own ESP, with the shape of the built-in ones. */
export interface ProviderDefinition {
  readonly name: string;
  readonly path?: string;
  readonly methods?: readonly string[];
  authenticate?(request: Request, context: ProviderContext): MaybePromise<Refusal | undefined>;
  handle(
    request: Request,
    body: Uint8Array,
    context: ProviderContext,
  ): MaybePromise<ProviderResult | Refusal>;
}

const _NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const _PATH = /^[A-Za-z0-9._~-]+$/;
const _METHOD = /^[A-Z]+$/;

/** Checks what every provider shares: a kebab-case name, a one-segment path, upper-case methods. */
export function checkProviderShape(
  name: string,
  path: string,
  methods: readonly string[],
  where: string,
): void {
  if (!_NAME.test(name)) {
    throw new ConfigError(
      `${where}.name`,
      `expected a kebab-case name, got ${JSON.stringify(name)}`,
    );
  }
  if (!_PATH.test(path)) {
    throw new ConfigError(
      `${where}.path`,
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
  checkProviderShape(name, path, methods, 'defineProvider');
  return {
    name,
    path,
    methods,
    start(context) {
      const { authenticate } = definition;
      return {
        authenticate: authenticate && ((request) => definition.authenticate?.(request, context)),
        handle: async (request, body) =>
          _checkedResult(name, await definition.handle(request, body, context)),
      };
    },
  };
}

/**
 * What a user's provider returned, checked before any sink sees it: each context must be a whole
 * `EmailTrackingContext` (a real Date, a known type, string tags and metadata) whose `espName` is
 * the provider's. A bad one is the provider's bug: thrown, so the handler answers 500, logs the
 * field, and delivers nothing (the ESP retries once it is fixed).
 */
function _checkedResult(name: string, result: ProviderResult | Refusal): ProviderResult | Refusal {
  const events: unknown = (result as { events?: unknown } | null)?.events;
  if (!Array.isArray(events)) return result;
  for (const [index, event] of events.entries()) {
    const checked = v.safeParse(EmailTrackingContextSchema, event);
    if (!checked.success) {
      const { field, detail } = describeIssue(checked.issues);
      throw new TypeError(`events[${index}].${field} ${detail}`);
    }
    if (checked.output.espName !== name) {
      throw new TypeError(
        `events[${index}].espName is ${JSON.stringify(event.espName)}, not ${JSON.stringify(name)}`,
      );
    }
  }
  return result;
}

/**
 * A refusal, as the built-in providers make them: a 4xx/5xx status, a reason in kebab-case
 * (`signature-invalid`) and a sentence for the person on call. Never put a secret in it.
 */
export function refuse(
  status: number,
  reason: string,
  message: string,
  headers?: Readonly<Record<string, string>>,
): Refusal {
  return new HttpError(status, reason, message, headers);
}
