/** Brevo (ex-Sendinblue): signs nothing, so a shared secret (HTTP Basic, bearer or a custom header) proves the sender. */
import type { BuiltinProvider } from '../registry-types.js';
import {
  type SharedSecretOptions,
  sharedSecretEntry,
  sharedSecretProvider,
} from '../shared-secret-provider.js';
import type { Provider } from '../types.js';
import { parseBrevoBody } from './parse.js';

/** Options of `brevo()`: `password` (or `token`, or `header` + `value`) unless `verifySignature: false`. */
export type BrevoOptions = SharedSecretOptions;

/**
 * Brevo's transactional webhooks, one event per request or batched. Put the password in the
 * webhook URL (`https://brevo:password@host/...`), or create the webhook with
 * `auth: { type: 'bearer', token }` and set `token`.
 * @example
 * createMailWebhookHandler({ providers: [brevo({ password: env.BREVO_WEBHOOK_PASSWORD })] });
 */
export function brevo(options: BrevoOptions = {}): Provider {
  return sharedSecretProvider('brevo', 'Brevo', options, (body, { now, logger }) =>
    parseBrevoBody(body, now, logger),
  );
}

/** The registry entry: the factory and how its variables are read. */
export const brevoProvider: BuiltinProvider = sharedSecretEntry('brevo', brevo);
