/** Options and environment settings: valibot schemas, defaults, and the checks that stop start-up. */
import * as v from 'valibot';
import { ConfigError, lateBoundFetch } from './errors.js';
import { consoleLogger, type Logger } from './log.js';
import { functionSchema, parseOptions } from './schema.js';
import { EventBus } from './sinks/memory.js';
import type { Sink } from './sinks/types.js';

export const DEFAULT_BASE_PATH = '/webhooks/mail';
export const DEFAULT_MAX_BODY_BYTES = 1_048_576;
export const DEFAULT_MAX_AGE_SECONDS = 3900;

const LoggerSchema = v.custom<Logger>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    ['debug', 'info', 'warn', 'error'].every(
      (level) => typeof (value as Record<string, unknown>)[level] === 'function',
    ),
  'expected an object with debug, info, warn and error functions',
);

const SinkSchema = v.custom<Sink>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Sink).send === 'function' &&
    typeof (value as Sink).name === 'string',
  'expected a sink: { name, send(events) }',
);

const SesOptionsSchema = v.object({
  secret: v.optional(v.pipe(v.string(), v.nonEmpty('the secret must not be empty'))),
  topicArns: v.optional(
    v.pipe(v.array(v.pipe(v.string(), v.startsWith('arn:', 'expected a TopicArn')))),
  ),
  verifySignature: v.optional(v.boolean(), true),
  maxAgeSeconds: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(0)),
    DEFAULT_MAX_AGE_SECONDS,
  ),
  autoConfirm: v.optional(v.boolean(), false),
  allowRawDelivery: v.optional(v.boolean(), false),
});

const OptionsSchema = v.object({
  basePath: v.optional(
    v.pipe(v.string(), v.regex(/^(\/[\w.~-]+)*\/?$/, 'expected a path such as /webhooks/mail')),
    DEFAULT_BASE_PATH,
  ),
  enabled: v.optional(v.boolean(), true),
  sinks: v.optional(v.array(SinkSchema)),
  ses: v.optional(SesOptionsSchema, {}),
  maxBodyBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), DEFAULT_MAX_BODY_BYTES),
  fetch: v.optional(functionSchema<typeof fetch>('a fetch function')),
  now: v.optional(functionSchema<() => Date>('a clock function')),
  logger: v.optional(LoggerSchema),
});

/** Options of `createMailWebhookHandler`; every field is optional. */
export type MailWebhookOptions = v.InferInput<typeof OptionsSchema>;
export type SesOptions = v.InferInput<typeof SesOptionsSchema>;

/** Options with every default filled in. */
export interface ResolvedOptions {
  readonly basePath: string;
  readonly enabled: boolean;
  readonly sinks: readonly Sink[];
  readonly ses: Required<Omit<v.InferOutput<typeof SesOptionsSchema>, 'secret' | 'topicArns'>> &
    Pick<v.InferOutput<typeof SesOptionsSchema>, 'secret' | 'topicArns'>;
  readonly maxBodyBytes: number;
  readonly fetch: typeof fetch;
  readonly now: () => Date;
  readonly logger: Logger;
}

/** Validates options and fills defaults; throws `ConfigError` naming the option. */
export function resolveOptions(options: MailWebhookOptions = {}): ResolvedOptions {
  const o = parseOptions(OptionsSchema, options);
  const ses = o.ses;
  if (ses.autoConfirm && !ses.topicArns?.length) {
    throw new ConfigError(
      'ses.autoConfirm',
      'needs ses.topicArns: only allow-listed topics are confirmed',
    );
  }
  if (ses.autoConfirm && !ses.verifySignature) {
    throw new ConfigError(
      'ses.autoConfirm',
      'needs ses.verifySignature: only verified messages are confirmed',
    );
  }
  if (ses.allowRawDelivery && !ses.secret) {
    throw new ConfigError(
      'ses.allowRawDelivery',
      'needs ses.secret: raw deliveries carry no signature',
    );
  }
  return {
    basePath: o.basePath.replace(/\/+$/, ''),
    enabled: o.enabled,
    sinks: o.sinks ?? [EventBus.default],
    ses,
    maxBodyBytes: o.maxBodyBytes,
    fetch: o.fetch ?? lateBoundFetch,
    now: o.now ?? (() => new Date()),
    logger: o.logger ?? consoleLogger,
  };
}

/** Environment variables as runtimes hand them over. */
export type Env = Readonly<Record<string, unknown>>;

const _bool = (name: string, raw: unknown, fallback: boolean): boolean => {
  if (raw === undefined || raw === '') return fallback;
  const text = String(raw).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off'].includes(text)) return false;
  throw new ConfigError(name, `expected true or false, got ${JSON.stringify(raw)}`);
};

/** A string variable; unset or empty is `undefined`. */
export const envString = (env: Env, name: string): string | undefined => {
  const raw = env[name];
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string') throw new ConfigError(name, 'expected a string');
  return raw;
};

/** A whole-number variable; unset or empty is `undefined`. */
export const envWholeNumber = (env: Env, name: string): number | undefined => {
  const raw = envString(env, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim()))
    throw new ConfigError(name, `expected a whole number, got ${JSON.stringify(raw)}`);
  return Number(raw.trim());
};

/**
 * Reads the `MAIL_WEBHOOK_*` variables into options (sinks are read elsewhere).
 * `MAIL_WEBHOOK_ENABLED` defaults to false, as in the reference. Throws `ConfigError` naming the variable.
 */
export function optionsFromEnv(env: Env): MailWebhookOptions {
  const topics = envString(env, 'MAIL_WEBHOOK_SES_TOPIC_ARNS')
    ?.split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const options: MailWebhookOptions = {
    enabled: _bool('MAIL_WEBHOOK_ENABLED', env.MAIL_WEBHOOK_ENABLED, false),
    basePath: envString(env, 'MAIL_WEBHOOK_BASE_PATH'),
    maxBodyBytes: envWholeNumber(env, 'MAIL_WEBHOOK_MAX_BODY_BYTES'),
    ses: {
      secret: envString(env, 'MAIL_WEBHOOK_SES_SECRET'),
      topicArns: topics?.length ? topics : undefined,
      autoConfirm: _bool('MAIL_WEBHOOK_SES_AUTO_CONFIRM', env.MAIL_WEBHOOK_SES_AUTO_CONFIRM, false),
      verifySignature: _bool(
        'MAIL_WEBHOOK_SES_VERIFY_SIGNATURE',
        env.MAIL_WEBHOOK_SES_VERIFY_SIGNATURE,
        true,
      ),
      maxAgeSeconds: envWholeNumber(env, 'MAIL_WEBHOOK_SES_MAX_AGE_SECONDS'),
      allowRawDelivery: _bool(
        'MAIL_WEBHOOK_SES_ALLOW_RAW_DELIVERY',
        env.MAIL_WEBHOOK_SES_ALLOW_RAW_DELIVERY,
        false,
      ),
    },
  };
  // Map option names back to variable names, so a bad value names what the operator set.
  try {
    resolveOptions(options);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(_envName(error.setting), error.detail);
    throw error;
  }
  return options;
}

const _ENV_NAMES: Record<string, string> = {
  basePath: 'MAIL_WEBHOOK_BASE_PATH',
  maxBodyBytes: 'MAIL_WEBHOOK_MAX_BODY_BYTES',
  'ses.secret': 'MAIL_WEBHOOK_SES_SECRET',
  'ses.topicArns': 'MAIL_WEBHOOK_SES_TOPIC_ARNS',
  'ses.autoConfirm': 'MAIL_WEBHOOK_SES_AUTO_CONFIRM',
  'ses.verifySignature': 'MAIL_WEBHOOK_SES_VERIFY_SIGNATURE',
  'ses.maxAgeSeconds': 'MAIL_WEBHOOK_SES_MAX_AGE_SECONDS',
  'ses.allowRawDelivery': 'MAIL_WEBHOOK_SES_ALLOW_RAW_DELIVERY',
};

const _envName = (setting: string): string =>
  _ENV_NAMES[setting] ?? _ENV_NAMES[setting.replace(/\.\d+$/, '')] ?? setting;
