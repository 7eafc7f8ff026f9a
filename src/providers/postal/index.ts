/** Postal (self-hosted): verify the RSA signature of the raw body, then parse the event. */

import * as v from 'valibot';
import { ConfigError, type HttpError, isHttpError, unavailable } from '../../errors.js';
import type { OptionsInput } from '../../schema.js';
import { parseJsonBody } from '../body-text.js';
import { warnCheckOff } from '../check-off.js';
import { digestEventId } from '../context.js';
import { commonEntries, parseProviderOptions, secretList } from '../options.js';
import { postProvider } from '../post-provider.js';
import { decodeKeys, importOnce } from '../public-keys.js';
import type { BuiltinProvider } from '../registry-types.js';
import { requireSignatureHeader } from '../signature-header.js';
import {
  NO_EVENTS,
  type Provider,
  type ProviderContext,
  type ProviderInstance,
  type ProviderResult,
} from '../types.js';
import { parsePostalEvent } from './parse.js';
import {
  checkPostalSignature,
  decodeRsaSpki,
  importPostalKeys,
  type PostalKeys,
  SHA1_HEADER,
  SHA256_HEADER,
} from './verify.js';

const NAME = 'postal';

const PostalOptionsSchema = v.object({
  ...commonEntries,
  publicKey: v.optional(secretList('public key')),
});

/** Options of `postal()`: `publicKey` is required unless `verifySignature` is false. */
export type PostalOptions = OptionsInput<typeof PostalOptionsSchema>;
type Resolved = v.InferOutput<typeof PostalOptionsSchema>;

/**
 * Every configured key as SPKI bytes; one that is not an RSA SPKI stops start-up, with
 * verification off too (as SendGrid's and MailPace's): turning it back on must not be what shows it.
 */
function _decodeKeys(o: Resolved): Uint8Array<ArrayBuffer>[] {
  if (!o.publicKey) {
    if (!o.verifySignature) return [];
    throw new ConfigError(
      `${NAME}.publicKey`,
      "is required: the server's signing public key that Postal shows under Webhooks (or set verifySignature: false)",
    );
  }
  return decodeKeys(`${NAME}.publicKey`, o.publicKey, decodeRsaSpki);
}

function _start(
  o: Resolved,
  spkis: Uint8Array<ArrayBuffer>[],
  context: ProviderContext,
): ProviderInstance {
  const { logger } = context;
  if (!o.verifySignature) {
    warnCheckOff(logger, 'Postal signature verification', NAME);
  }
  // Imported once; a key the runtime refuses is reported on each request as a 503.
  const keys: Promise<PostalKeys | Error> = importOnce(
    importPostalKeys(spkis),
    logger,
    'Postal public key could not be imported',
    NAME,
  );
  return {
    authenticate: o.verifySignature
      ? requireSignatureHeader(
          [SHA256_HEADER, SHA1_HEADER],
          `neither ${SHA256_HEADER} nor ${SHA1_HEADER} was sent`,
        )
      : undefined,
    async handle(request, body): Promise<ProviderResult | HttpError> {
      if (o.verifySignature) {
        const loaded = await keys;
        if (loaded instanceof Error) {
          return unavailable('key-unavailable', 'the Postal public key could not be imported');
        }
        const refused = await checkPostalSignature(request, body, loaded);
        if (refused) return refused;
      }
      const json = parseJsonBody(body);
      if (isHttpError(json)) return json;
      const result = parsePostalEvent(json, await digestEventId(NAME, body));
      if (isHttpError(result)) return result;
      if (result.kind === 'events') return { events: result.events };
      const fields = { esp: NAME, note: result.note };
      const message = 'Postal request carries no tracking event; nothing to deliver';
      if (result.warn) logger.warn(message, fields);
      else logger.info(message, fields);
      return NO_EVENTS;
    },
  };
}

/**
 * Postal's webhooks, at `POST {basePath}/postal` by default.
 * @param options.publicKey the server's signing key (base64 SPKI, as Postal shows it); a list while rotating
 * @example
 * createMailWebhookHandler({ providers: [postal({ publicKey: 'MIGfMA0GCSqGSIb3DQEBAQUAA4GN…' })] });
 */
export function postal(options: PostalOptions = {}): Provider {
  const o = parseProviderOptions(NAME, PostalOptionsSchema, options);
  const spkis = _decodeKeys(o);
  return postProvider(NAME, o.path, (context) => _start(o, spkis, context));
}

/** The registry entry: the factory and how its variables are read. */
export const postalProvider: BuiltinProvider = {
  name: NAME,
  create: postal,
  settings: { publicKey: 'secret' },
};
