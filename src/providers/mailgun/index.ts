/** Mailgun webhooks: verify the signature block inside the JSON body, then parse `event-data`. */

import * as v from 'valibot';
import { badRequest, ConfigError, forbidden, type HttpError, isHttpError } from '../../errors.js';
import type { OptionsInput } from '../../schema.js';
import { lenientUtf8, parseJsonBody } from '../body-text.js';
import { warnCheckOff } from '../check-off.js';
import { fromUnixSeconds } from '../context.js';
import { importHmacKeys } from '../hmac.js';
import { commonEntries, maxAgeSeconds, parseProviderOptions, secretList } from '../options.js';
import { postProvider } from '../post-provider.js';
import type { BuiltinProvider } from '../registry-types.js';
import type { Provider, ProviderContext, ProviderInstance } from '../types.js';
import { parseMailgunBody } from './parse.js';
import { createTokenGuard } from './token-guard.js';
import {
  checkSignatureAge,
  readSignatureBlock,
  type SignatureBlock,
  signatureMatches,
} from './verify.js';

const MailgunOptionsSchema = v.object({
  ...commonEntries,
  signingKey: v.optional(secretList('signing key')),
  // Off by default: Mailgun's retries (up to 8 hours) resend the original signature block.
  maxAgeSeconds: maxAgeSeconds(0),
});

/** Options of `mailgun()`: `signingKey` is required unless `verifySignature` is false. */
export type MailgunOptions = OptionsInput<typeof MailgunOptionsSchema>;
type Resolved = v.InferOutput<typeof MailgunOptionsSchema>;

const _FORM = /^\s*(?:application\/x-www-form-urlencoded|multipart\/form-data)\b/i;

/** The first 64 KB of a body as text: all a form's field names need. */
const _head = (bytes: Uint8Array): string => lenientUtf8.decode(bytes.subarray(0, 64 * 1024));

/**
 * Form-encoded bodies are Mailgun's legacy (pre-2018) webhooks, or an inbound route pointed here
 * by mistake: neither is supported, and either gets a 400 that says what to change.
 */
function _formRefusal(bytes: Uint8Array): HttpError {
  const text = _head(bytes);
  const has = (name: string) =>
    new RegExp(`(?:^|&)${name}=|name="${name}"`, 'i').test(text.replaceAll('\r\n', '&'));
  if (!has('event') && (has('sender') || has('body-plain'))) {
    return badRequest(
      'inbound-not-supported',
      'this looks like a Mailgun inbound route (forwarded mail); this endpoint takes tracking webhooks only',
    );
  }
  return badRequest(
    'legacy-webhook-not-supported',
    "Mailgun's legacy form-encoded webhooks are not supported: set this URL on Mailgun's current webhooks (Sending > Webhooks), which post JSON",
  );
}

/** A body that is not JSON but reads as a legacy form (token, timestamp, signature fields). */
function _looksLikeForm(bytes: Uint8Array): boolean {
  const text = _head(bytes);
  if (text.trimStart().startsWith('{')) return false;
  const form = new URLSearchParams(text);
  return form.has('signature') && form.has('token') && form.has('timestamp');
}

function _start(o: Resolved, context: ProviderContext): ProviderInstance {
  const { logger } = context;
  if (!o.verifySignature) {
    warnCheckOff(logger, 'Mailgun signature verification', 'mailgun');
  }
  // Awaited on each request; a failed import is reported there, not as an unhandled rejection.
  const keys = importHmacKeys(o.verifySignature ? (o.signingKey ?? []) : []);

  // Only with an age window: without one a block is good for ever, in every isolate and after
  // every restart, so a per-process memory would refuse little but test payloads sharing a block.
  const tokenSeenWithOtherBody = o.maxAgeSeconds ? createTokenGuard() : undefined;

  const verify = async (json: unknown, bytes: Uint8Array): Promise<SignatureBlock | HttpError> => {
    const block = readSignatureBlock(json);
    if (isHttpError(block)) return block;
    if (!(await signatureMatches(block, await keys))) {
      return forbidden(
        'signature-invalid',
        'signature.signature is not the HMAC of signature.timestamp + signature.token under the signing key',
      );
    }
    return (
      checkSignatureAge(block.timestamp, context.now(), o.maxAgeSeconds) ??
      // Keyed on what is signed, timestamp and token together: moving digits from one to the
      // other gives the same HMAC, and must not give a fresh guard entry.
      (await tokenSeenWithOtherBody?.(block.timestamp + block.token, bytes)) ??
      block
    );
  };

  return {
    async handle(request, bytes) {
      if (_FORM.test(request.headers.get('content-type') ?? '')) return _formRefusal(bytes);
      const json = parseJsonBody(bytes);
      if (isHttpError(json)) return _looksLikeForm(bytes) ? _formRefusal(bytes) : json;
      let signed: SignatureBlock | undefined;
      if (o.verifySignature) {
        const verified = await verify(json, bytes);
        if (isHttpError(verified)) return verified;
        signed = verified;
      } else {
        const block = readSignatureBlock(json);
        signed = isHttpError(block) ? undefined : block;
      }
      const fallback = (signed && fromUnixSeconds(signed.timestamp)) ?? context.now();
      return parseMailgunBody(json, { body: bytes, fallback });
    },
  };
}

/**
 * Mailgun tracking webhooks (the JSON ones, with a `signature` block), verified with the
 * domain's HTTP webhook signing key.
 * @example
 * createMailWebhookHandler({ providers: [mailgun({ signingKey: env.MAILGUN_SIGNING_KEY })] });
 */
export function mailgun(options: MailgunOptions = {}): Provider {
  const o = parseProviderOptions('mailgun', MailgunOptionsSchema, options);
  if (o.verifySignature && !o.signingKey) {
    throw new ConfigError(
      'mailgun.signingKey',
      "is required: Mailgun's HTTP webhook signing key (or set verifySignature: false)",
    );
  }
  return postProvider('mailgun', o.path, (context) => _start(o, context));
}

/** The registry entry: the factory and how its variables are read. */
export const mailgunProvider: BuiltinProvider = {
  name: 'mailgun',
  create: mailgun,
  settings: { signingKey: 'secret', maxAgeSeconds: 'number' },
};
