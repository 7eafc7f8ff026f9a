/** Twilio SendGrid's Event Webhook: verify the Signed Event Webhook signature, then parse the batch. */

import * as v from 'valibot';
import { ConfigError } from '../../errors.js';
import type { OptionsInput } from '../../schema.js';
import { warnCheckOff } from '../check-off.js';
import { commonEntries, maxAgeSeconds, parseProviderOptions, secretList } from '../options.js';
import { postProvider } from '../post-provider.js';
import { decodeKeys, importOnce } from '../public-keys.js';
import type { BuiltinProvider } from '../registry-types.js';
import { requireSignatureHeader } from '../signature-header.js';
import type { Provider, ProviderContext, ProviderInstance } from '../types.js';
import { decodePublicKey, importPublicKey } from './keys.js';
import { parseSendgridBatch } from './parse.js';
import { createSendgridVerifier, missingHeader, SIGNATURE_HEADER } from './verify.js';

const SendgridOptionsSchema = v.object({
  ...commonEntries,
  publicKey: v.optional(secretList('public key')),
  // SendGrid signs each delivery attempt afresh, so a retry carries a new timestamp.
  maxAgeSeconds: maxAgeSeconds(600),
});

/** Options of `sendgrid()`; `publicKey` is required unless `verifySignature` is false. */
export type SendgridOptions = OptionsInput<typeof SendgridOptionsSchema>;
type Resolved = v.InferOutput<typeof SendgridOptionsSchema>;

/** Every configured key as SPKI bytes; a key that is not a P-256 SPKI stops start-up. */
function _decodeKeys(o: Resolved): Uint8Array<ArrayBuffer>[] {
  if (!o.publicKey) {
    if (!o.verifySignature) return [];
    throw new ConfigError(
      'sendgrid.publicKey',
      'is required: the verification key SendGrid shows under Settings → Mail Settings → Event Webhook → Signed Event Webhook',
    );
  }
  return decodeKeys('sendgrid.publicKey', o.publicKey, decodePublicKey);
}

function _start(
  o: Resolved,
  spkis: Uint8Array<ArrayBuffer>[],
  context: ProviderContext,
): ProviderInstance {
  const { logger } = context;
  if (!o.verifySignature) {
    warnCheckOff(logger, 'SendGrid signature verification', 'sendgrid');
  }
  // Imported once; the keys were checked in the factory, so a failure here is the runtime's.
  const keys = importOnce(
    Promise.all(spkis.map(importPublicKey)),
    logger,
    'SendGrid verification key could not be imported',
    'sendgrid',
  );
  const verify = o.verifySignature && createSendgridVerifier({ ...o, ...context, keys });
  return {
    authenticate: verify
      ? requireSignatureHeader([SIGNATURE_HEADER], missingHeader(SIGNATURE_HEADER))
      : undefined,
    async handle(request, body) {
      const refused = verify && (await verify(request, body));
      if (refused) return refused;
      return parseSendgridBatch(body, logger);
    },
  };
}

/**
 * Twilio SendGrid's Event Webhook, with Signed Event Webhook turned on.
 * @param options.publicKey the verification key (base64 SPKI, P-256); a list during rotation
 * @example
 * createMailWebhookHandler({ providers: [sendgrid({ publicKey: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE…' })] });
 */
export function sendgrid(options: SendgridOptions = {}): Provider {
  const o = parseProviderOptions('sendgrid', SendgridOptionsSchema, options);
  const spkis = _decodeKeys(o);
  return postProvider('sendgrid', o.path, (context) => _start(o, spkis, context));
}

/** The registry entry: the factory and how its variables are read. */
export const sendgridProvider: BuiltinProvider = {
  name: 'sendgrid',
  create: sendgrid,
  settings: { publicKey: 'secret', maxAgeSeconds: 'number' },
};
