/** SparkPost (Bird): signs nothing, so a shared secret (HTTP Basic, bearer or a custom header) proves the sender. */
import type { BuiltinProvider } from '../registry-types.js';
import {
  type SharedSecretOptions,
  sharedSecretEntry,
  sharedSecretProvider,
} from '../shared-secret-provider.js';
import type { Provider } from '../types.js';
import { parseSparkpostBatch } from './parse.js';

/** Options of `sparkpost()`: `password` (or `token`, or `header` + `value`) unless `verifySignature: false`. */
export type SparkpostOptions = SharedSecretOptions;

/**
 * SparkPost's event webhooks (batches of message, engagement, generation and unsubscribe
 * events). Give the webhook Basic authentication, or a custom header.
 * @example
 * createMailWebhookHandler({ providers: [sparkpost({ password: env.SPARKPOST_WEBHOOK_PASSWORD })] });
 */
export function sparkpost(options: SparkpostOptions = {}): Provider {
  return sharedSecretProvider('sparkpost', 'SparkPost', options, (body, { now, logger }) =>
    parseSparkpostBatch(body, now, logger),
  );
}

/** The registry entry: the factory and how its variables are read. */
export const sparkpostProvider: BuiltinProvider = sharedSecretEntry('sparkpost', sparkpost);
