/** Mailtrap: verify the hex HMAC-SHA256 of the raw body (`Mailtrap-Signature`), then parse the batch. */

import * as v from 'valibot';
import { ConfigError } from '../../errors.js';
import type { OptionsInput } from '../../schema.js';
import { warnCheckOff } from '../check-off.js';
import { checkHexBodyHmac, importHmacKeys } from '../hmac.js';
import { commonEntries, parseProviderOptions, secretList } from '../options.js';
import { postProvider } from '../post-provider.js';
import type { BuiltinProvider } from '../registry-types.js';
import { requireSignatureHeader } from '../signature-header.js';
import type { Provider, ProviderContext, ProviderInstance } from '../types.js';
import { parseMailtrapBody } from './parse.js';

const NAME = 'mailtrap';

const MailtrapOptionsSchema = v.object({
  ...commonEntries,
  secret: v.optional(secretList('signing secret')),
});

/** Options of `mailtrap()`: `secret` is required unless `verifySignature` is false. */
export type MailtrapOptions = OptionsInput<typeof MailtrapOptionsSchema>;
type Resolved = v.InferOutput<typeof MailtrapOptionsSchema>;

function _start(o: Resolved, context: ProviderContext): ProviderInstance {
  const { logger } = context;
  const verify = o.verifySignature && o.secret !== undefined;
  if (!verify) {
    warnCheckOff(logger, 'Mailtrap signature verification', NAME);
  }
  const keys = importHmacKeys(verify ? (o.secret ?? []) : []);
  return {
    authenticate: verify
      ? requireSignatureHeader(['Mailtrap-Signature'], 'the Mailtrap-Signature header is missing')
      : undefined,
    async handle(request, body) {
      const refused = verify && (await checkHexBodyHmac(request, body, keys, 'Mailtrap-Signature'));
      if (refused) return refused;
      return parseMailtrapBody(body, logger);
    },
  };
}

/**
 * Mailtrap's Email API webhooks, at `POST {basePath}/mailtrap` by default.
 * @param options.secret the webhook's signing secret, or a list while rotating
 * @example
 * createMailWebhookHandler({ providers: [mailtrap({ secret: env.MAILTRAP_SIGNING_SECRET })] });
 */
export function mailtrap(options: MailtrapOptions = {}): Provider {
  const o = parseProviderOptions(NAME, MailtrapOptionsSchema, options);
  if (o.verifySignature && !o.secret) {
    throw new ConfigError(
      `${NAME}.secret`,
      "is required: the webhook's signing secret from Mailtrap (or set verifySignature: false)",
    );
  }
  return postProvider(NAME, o.path, (context) => _start(o, context));
}

/** The registry entry: the factory and how its variables are read. */
export const mailtrapProvider: BuiltinProvider = {
  name: NAME,
  create: mailtrap,
  settings: { secret: 'secret' },
};
