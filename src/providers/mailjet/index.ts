/** Mailjet: signs nothing, so a shared secret (HTTP Basic, as Mailjet's Event API sends it) proves the sender. */
import type { BuiltinProvider } from '../registry-types.js';
import {
  type SharedSecretOptions,
  sharedSecretEntry,
  sharedSecretProvider,
} from '../shared-secret-provider.js';
import type { Provider } from '../types.js';
import { parseMailjetBody } from './parse.js';

/** Options of `mailjet()`: `password` (or `token`, or `header` + `value`) unless `verifySignature: false`. */
export type MailjetOptions = SharedSecretOptions;

/**
 * Mailjet's Event API (event tracking webhooks), one event per request or grouped. Put the
 * password in the event URL: `https://mailjet:password@host/webhooks/mail/mailjet`.
 * @example
 * createMailWebhookHandler({ providers: [mailjet({ password: env.MAILJET_WEBHOOK_PASSWORD })] });
 */
export function mailjet(options: MailjetOptions = {}): Provider {
  return sharedSecretProvider('mailjet', 'Mailjet', options, (body, { now, logger }) =>
    parseMailjetBody(body, now, logger),
  );
}

/** The registry entry: the factory and how its variables are read. */
export const mailjetProvider: BuiltinProvider = sharedSecretEntry('mailjet', mailjet);
