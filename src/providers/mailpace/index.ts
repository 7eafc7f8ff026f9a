/** MailPace: verify the Ed25519 signature over the raw body, then parse the event. */

import * as v from 'valibot';
import { ConfigError, isHttpError } from '../../errors.js';
import type { OptionsInput } from '../../schema.js';
import { parseJsonBody } from '../body-text.js';
import { warnCheckOff } from '../check-off.js';
import { commonEntries, parseProviderOptions, secretList } from '../options.js';
import { postProvider } from '../post-provider.js';
import { decodeKeys, importOnce } from '../public-keys.js';
import type { BuiltinProvider } from '../registry-types.js';
import { requireSignatureHeader } from '../signature-header.js';
import type { Provider, ProviderContext, ProviderInstance } from '../types.js';
import { parseMailpaceEvent } from './parse.js';
import {
  createMailpaceVerifier,
  decodeMailpaceKey,
  importMailpaceKey,
  SIGNATURE_HEADER,
} from './verify.js';

const NAME = 'mailpace';

const MailpaceOptionsSchema = v.object({
  ...commonEntries,
  publicKey: v.optional(secretList('public key')),
});

/** Options of `mailpace()`; `publicKey` is required unless `verifySignature` is false. */
export type MailpaceOptions = OptionsInput<typeof MailpaceOptionsSchema>;
type Resolved = v.InferOutput<typeof MailpaceOptionsSchema>;

/** Every configured key as raw bytes; a key that is not 32 base64 bytes stops start-up. */
function _decodeKeys(o: Resolved): Uint8Array<ArrayBuffer>[] {
  if (!o.publicKey) {
    if (!o.verifySignature) return [];
    throw new ConfigError(
      `${NAME}.publicKey`,
      'is required: the public key MailPace shows in its webhook settings (base64, 44 characters)',
    );
  }
  return decodeKeys(`${NAME}.publicKey`, o.publicKey, decodeMailpaceKey);
}

function _start(
  o: Resolved,
  raws: Uint8Array<ArrayBuffer>[],
  context: ProviderContext,
): ProviderInstance {
  const { logger } = context;
  if (!o.verifySignature) {
    warnCheckOff(logger, 'MailPace signature verification', NAME);
  }
  // Imported once; the bytes were checked in the factory, so a failure here is the runtime's.
  const keys = importOnce(
    Promise.all(raws.map(importMailpaceKey)),
    logger,
    'MailPace public key could not be imported (Ed25519 missing?)',
    NAME,
  );
  const verify = o.verifySignature && createMailpaceVerifier(keys);
  return {
    authenticate: verify
      ? requireSignatureHeader([SIGNATURE_HEADER], `${SIGNATURE_HEADER} is missing`)
      : undefined,
    async handle(request, body) {
      const refused = verify && (await verify(request, body));
      if (refused) return refused;
      const json = parseJsonBody(body);
      if (isHttpError(json)) return json;
      const result = await parseMailpaceEvent(json, body);
      if (isHttpError(result)) return result;
      if (result.kind === 'events') return { events: result.events };
      logger.warn(`MailPace request carries no tracking event: ${result.note}`, { esp: NAME });
      return { events: [] };
    },
  };
}

/**
 * MailPace's webhooks, signed with Ed25519, at `POST {basePath}/mailpace` by default.
 * @param options.publicKey the webhook public key (base64 of the raw 32-byte key); a list while rotating
 * @example
 * createMailWebhookHandler({ providers: [mailpace({ publicKey: '11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=' })] });
 */
export function mailpace(options: MailpaceOptions = {}): Provider {
  const o = parseProviderOptions(NAME, MailpaceOptionsSchema, options);
  const raws = _decodeKeys(o);
  return postProvider(NAME, o.path, (context) => _start(o, raws, context));
}

/** The registry entry: the factory and how its variables are read. */
export const mailpaceProvider: BuiltinProvider = {
  name: NAME,
  create: mailpace,
  settings: { publicKey: 'secret' },
};
