/** MailerSend: verify the hex HMAC-SHA256 of the raw body (`Signature`), then parse the activity. */

import * as v from 'valibot';
import { ConfigError, type HttpError, isHttpError } from '../../errors.js';
import type { OptionsInput } from '../../schema.js';
import { parseJsonBody } from '../body-text.js';
import { warnCheckOff } from '../check-off.js';
import { digestEventId } from '../context.js';
import { checkHexBodyHmac, importHmacKeys } from '../hmac.js';
import { commonEntries, parseProviderOptions, secretList } from '../options.js';
import { postProvider } from '../post-provider.js';
import type { BuiltinProvider } from '../registry-types.js';
import { requireSignatureHeader } from '../signature-header.js';
import {
  NO_EVENTS,
  type Provider,
  type ProviderContext,
  type ProviderInstance,
  type ProviderResult,
} from '../types.js';
import { parseMailersendEvent } from './parse.js';

const NAME = 'mailersend';
const HEADER = 'Signature';
/** MailerSend signs its `webhook.test` URL check with this published secret, not the webhook's. */
export const MAILERSEND_TEST_SECRET = 'test_Am3L1GuOIc4blLUuHqAPxxwkZaJyEk8G';

const MailersendOptionsSchema = v.object({
  ...commonEntries,
  secret: v.optional(secretList('signing secret')),
});

/** Options of `mailersend()`: `secret` is required unless `verifySignature` is false. */
export type MailersendOptions = OptionsInput<typeof MailersendOptionsSchema>;
type Resolved = v.InferOutput<typeof MailersendOptionsSchema>;

const _isPing = (json: unknown): boolean =>
  typeof json === 'object' &&
  json !== null &&
  Object.hasOwn(json, 'type') &&
  (json as { type: unknown }).type === 'webhook.test';

function _start(o: Resolved, context: ProviderContext): ProviderInstance {
  const { logger } = context;
  const verify = o.verifySignature && o.secret !== undefined;
  if (!verify) {
    warnCheckOff(logger, 'MailerSend signature verification', NAME);
  }
  const keys = importHmacKeys(verify ? (o.secret ?? []) : []);
  const testKey = importHmacKeys([MAILERSEND_TEST_SECRET]);

  const ping = (): ProviderResult => {
    logger.info('MailerSend webhook.test ping answered', { esp: NAME });
    return NO_EVENTS;
  };
  // The URL check is signed with the public test secret, which proves nothing: it is accepted
  // for a `webhook.test` body only, and that gives no events.
  const testPing = async (request: Request, body: Uint8Array, refused: HttpError) => {
    if (refused.reason !== 'signature-invalid') return undefined;
    if (await checkHexBodyHmac(request, body, testKey, HEADER)) return undefined;
    const json = parseJsonBody(body);
    return !isHttpError(json) && _isPing(json) ? ping() : undefined;
  };

  return {
    authenticate: verify
      ? requireSignatureHeader([HEADER], `the ${HEADER} header is missing`)
      : undefined,
    async handle(request, body): Promise<ProviderResult | HttpError> {
      const refused = verify ? await checkHexBodyHmac(request, body, keys, HEADER) : undefined;
      if (refused) return (await testPing(request, body, refused)) ?? refused;
      const json = parseJsonBody(body);
      if (isHttpError(json)) return json;
      if (_isPing(json)) return ping();
      const result = parseMailersendEvent(json, await digestEventId(NAME, body), context.now());
      if (isHttpError(result)) return result;
      if (result.kind === 'events') return { events: result.events };
      logger.warn('MailerSend event carries no tracking event; nothing to deliver', {
        esp: NAME,
        note: result.note,
      });
      return NO_EVENTS;
    },
  };
}

/**
 * MailerSend activity webhooks, at `POST {basePath}/mailersend` by default.
 * @param options.secret the webhook's signing secret, or a list while rotating
 * @example
 * createMailWebhookHandler({ providers: [mailersend({ secret: env.MAILERSEND_SIGNING_SECRET })] });
 */
export function mailersend(options: MailersendOptions = {}): Provider {
  const o = parseProviderOptions(NAME, MailersendOptionsSchema, options);
  if (o.verifySignature && !o.secret) {
    throw new ConfigError(
      `${NAME}.secret`,
      "is required: the webhook's signing secret from MailerSend (or set verifySignature: false)",
    );
  }
  return postProvider(NAME, o.path, (context) => _start(o, context));
}

/** The registry entry: the factory and how its variables are read. */
export const mailersendProvider: BuiltinProvider = {
  name: NAME,
  create: mailersend,
  settings: { secret: 'secret' },
};
