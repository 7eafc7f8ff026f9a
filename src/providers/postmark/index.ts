/** Postmark: signs nothing, so a shared secret (HTTP Basic, bearer or a custom header) proves the sender. */
import { isHttpError } from '../../errors.js';
import { parseJsonExactIntegers } from '../exact-json.js';
import type { BuiltinProvider } from '../registry-types.js';
import {
  type SharedSecretOptions,
  sharedSecretEntry,
  sharedSecretProvider,
} from '../shared-secret-provider.js';
import { NO_EVENTS, type Provider } from '../types.js';
import { parsePostmarkRecord } from './parse.js';

/** Options of `postmark()`: `password` (or `token`, or `header` + `value`) unless `verifySignature: false`. */
export type PostmarkOptions = SharedSecretOptions;

/**
 * Postmark's tracking webhooks (delivery, bounce, spam complaint, open, click, subscription
 * change). Put the password in the webhook URL (`https://user:password@host/...`), or have
 * Postmark send a custom header.
 * @example
 * createMailWebhookHandler({ providers: [postmark({ password: env.POSTMARK_WEBHOOK_PASSWORD })] });
 * postmark({ header: 'X-Webhook-Secret', value: [current, previous] });
 */
export function postmark(options: PostmarkOptions = {}): Provider {
  return sharedSecretProvider('postmark', 'Postmark', options, async (body, { logger, now }) => {
    const parsed = parseJsonExactIntegers(body);
    if (isHttpError(parsed)) return parsed;
    const result = await parsePostmarkRecord(parsed.json, body, now, parsed.exact);
    if (isHttpError(result)) return result;
    if (result.kind === 'event') return { events: [result.event] };
    logger.warn(`Postmark request carries no tracking event: ${result.note}`, {
      esp: 'postmark',
      ...result.fields,
    });
    return NO_EVENTS;
  });
}

/** The registry entry: the factory and how its variables are read. */
export const postmarkProvider: BuiltinProvider = sharedSecretEntry('postmark', postmark);
