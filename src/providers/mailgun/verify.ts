/** Mailgun's signature block: hex HMAC-SHA256(signing key, timestamp + token), inside the JSON body. */
import { equalBytes } from '../../auth.js';
import { forbidden, type HttpError } from '../../errors.js';
import { encodeHex, textEncoder } from '../base64.js';
import { isObject, own } from '../fields.js';
import { refuseOutsideWindow } from '../replay-window.js';

/** The `signature` object of a Mailgun webhook, exactly as sent. */
export interface SignatureBlock {
  readonly timestamp: string;
  readonly token: string;
  readonly signature: string;
  /** Subaccount events: the same HMAC under the parent account's key. */
  readonly parentSignature?: string | undefined;
}

/** The signature block of a parsed body: 403 `signature-missing` without one, `signature-invalid` when malformed. */
export function readSignatureBlock(body: unknown): SignatureBlock | HttpError {
  const block = isObject(body) ? own(body, 'signature') : undefined;
  if (block === undefined || block === null) {
    return forbidden(
      'signature-missing',
      'the body has no "signature" block (timestamp, token, signature)',
    );
  }
  if (!isObject(block)) {
    return forbidden('signature-invalid', 'body field "signature" is not an object');
  }
  const fields: Record<string, string> = {};
  for (const name of ['timestamp', 'token', 'signature']) {
    const value = own(block, name);
    if (value === undefined || value === null) {
      return forbidden('signature-missing', `body field "signature.${name}" is missing`);
    }
    // Mailgun's docs call the timestamp an int (it is sent as a string): a whole number is
    // signed as its decimal digits, as Mailgun's own examples do.
    if (name === 'timestamp' && typeof value === 'number' && Number.isSafeInteger(value)) {
      fields[name] = String(value);
      continue;
    }
    if (typeof value !== 'string') {
      return forbidden('signature-invalid', `body field "signature.${name}" is not a string`);
    }
    fields[name] = value;
  }
  const parent = own(block, 'parent-signature');
  return {
    timestamp: fields.timestamp ?? '',
    token: fields.token ?? '',
    signature: fields.signature ?? '',
    parentSignature: typeof parent === 'string' ? parent : undefined,
  };
}

/**
 * True when `signature` (or `parent-signature`) is the lowercase hex HMAC of timestamp + token
 * under any of `keys`. Every key and every signature is compared, in constant time.
 */
export async function signatureMatches(
  block: SignatureBlock,
  keys: readonly CryptoKey[],
): Promise<boolean> {
  const message = textEncoder.encode(block.timestamp + block.token);
  const given = [block.signature, block.parentSignature]
    .filter((s): s is string => s !== undefined)
    .map((s) => textEncoder.encode(s));
  const expected = await Promise.all(
    keys.map(async (key) =>
      textEncoder.encode(encodeHex(await crypto.subtle.sign('HMAC', key, message))),
    ),
  );
  let ok = false;
  for (const mac of expected) {
    for (const sent of given) ok = equalBytes(mac, sent) || ok;
  }
  return ok;
}

/**
 * The age rule: the signed timestamp must be whole Unix seconds no older than `maxAgeSeconds` when
 * that is above 0, and never more than 5 minutes ahead of our clock.
 */
export function checkSignatureAge(
  timestamp: string,
  now: Date,
  maxAgeSeconds: number,
): HttpError | undefined {
  // Whole seconds always, the window on or off: Mailgun writes nothing else.
  if (!/^\d{1,12}$/.test(timestamp)) {
    return forbidden(
      'timestamp-invalid',
      `signature.timestamp ${JSON.stringify(timestamp.slice(0, 40))} is not Unix seconds`,
    );
  }
  const ageMs = now.getTime() - Number(timestamp) * 1000;
  return refuseOutsideWindow('signature.timestamp', ageMs, maxAgeSeconds);
}
