/** Postmark: signs nothing, so a shared secret (HTTP Basic, bearer or a custom header) proves the sender. */
import * as v from 'valibot';
import { isHttpError } from '../../errors.js';
import { parseJsonBody } from '../body-text.js';
import { commonEntries, parseProviderOptions } from '../options.js';
import type { BuiltinProvider } from '../registry-types.js';
import { sharedSecretAuth, sharedSecretEntries, sharedSecretSettings } from '../shared-secret.js';
import type { Provider, ProviderContext, ProviderInstance } from '../types.js';
import { parsePostmarkRecord } from './parse.js';

const PostmarkOptionsSchema = v.object({ ...commonEntries, ...sharedSecretEntries });

/** Options of `postmark()`: `password` (or `token`, or `header` + `value`) unless `verifySignature: false`. */
export type PostmarkOptions = v.InferInput<typeof PostmarkOptionsSchema>;

function _start(
  authenticate: ProviderInstance['authenticate'],
  context: ProviderContext,
): ProviderInstance {
  const { logger } = context;
  if (!authenticate) {
    logger.warn(
      'Postmark credential check is OFF: anyone who can reach this endpoint can post events',
      { esp: 'postmark' },
    );
  }
  const instance: ProviderInstance = {
    async handle(_request, body) {
      const json = parseJsonBody(body);
      if (isHttpError(json)) return json;
      const result = await parsePostmarkRecord(json, body);
      if (isHttpError(result)) return result;
      if (result.kind === 'event') return { events: [result.event] };
      logger.warn(`Postmark request carries no tracking event: ${result.note}`, {
        esp: 'postmark',
        ...result.fields,
      });
      return { events: [] };
    },
  };
  return authenticate ? { ...instance, authenticate } : instance;
}

/**
 * Postmark's tracking webhooks (delivery, bounce, spam complaint, open, click, subscription
 * change). Put the password in the webhook URL (`https://user:password@host/...`), or have
 * Postmark send a custom header.
 * @example
 * createMailWebhookHandler({ providers: [postmark({ password: env.POSTMARK_WEBHOOK_PASSWORD })] });
 * postmark({ header: 'X-Webhook-Secret', value: [current, previous] });
 */
export function postmark(options: PostmarkOptions = {}): Provider {
  const o = parseProviderOptions('postmark', PostmarkOptionsSchema, options);
  // Checked either way, so a half-set header/value pair is refused even with the check off.
  const check = sharedSecretAuth('postmark', o, o.verifySignature);
  const authenticate = o.verifySignature ? check : undefined;
  return {
    name: 'postmark',
    path: o.path ?? 'postmark',
    methods: ['POST'],
    start: (context) => _start(authenticate, context),
  };
}

/** The registry entry: the factory and how its variables are read. */
export const postmarkProvider: BuiltinProvider = {
  name: 'postmark',
  create: postmark,
  settings: { ...sharedSecretSettings },
};
