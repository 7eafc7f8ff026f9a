/** SendGrid's Signed Event Webhook: ECDSA P-256 / SHA-256 over the timestamp header + raw body. */
import { forbidden, type HttpError, unavailable } from '../../errors.js';
import { decodeBase64, prefixed } from '../base64.js';
import { refuseOutsideWindow } from '../replay-window.js';

export const SIGNATURE_HEADER = 'X-Twilio-Email-Event-Webhook-Signature';
export const TIMESTAMP_HEADER = 'X-Twilio-Email-Event-Webhook-Timestamp';

/** The refusal's message for a header SendGrid did not send. */
export const missingHeader = (name: string): string =>
  `${name} is missing: turn on Signed Event Webhook in SendGrid`;

const _SIZE = 32;

/** One DER INTEGER at `at`: its magnitude without leading zeros, or undefined. */
function _integer(der: Uint8Array, at: number): { value: Uint8Array; next: number } | undefined {
  const length = der[at + 1];
  // r and s are below the curve order: at most 33 content bytes, so always the short length form.
  if (der[at] !== 0x02 || length === undefined || length === 0 || length > 0x7f) return undefined;
  const next = at + 2 + length;
  if (next > der.length) return undefined;
  let value = der.subarray(at + 2, next);
  if ((value[0] ?? 0) & 0x80) return undefined; // negative
  while (value.length > 1 && value[0] === 0) value = value.subarray(1);
  return value.length > _SIZE ? undefined : { value, next };
}

/**
 * A DER `SEQUENCE { INTEGER r, INTEGER s }` as the 64-byte r‖s (IEEE P1363) WebCrypto verifies,
 * or undefined when it is not one. Short integers are left-padded; leading zeros are dropped.
 */
export function derToP1363(der: Uint8Array): Uint8Array<ArrayBuffer> | undefined {
  if (der[0] !== 0x30) return undefined;
  let at = 2;
  let length = der[1];
  if (length === 0x81) {
    length = der[2];
    at = 3;
  } else if (length !== undefined && length > 0x7f) return undefined;
  if (length === undefined || at + length !== der.length) return undefined;
  const r = _integer(der, at);
  const s = r && _integer(der, r.next);
  if (!r || !s || s.next !== der.length) return undefined;
  const out = new Uint8Array(2 * _SIZE);
  out.set(r.value, _SIZE - r.value.length);
  out.set(s.value, 2 * _SIZE - s.value.length);
  return out;
}

const _invalid = (why: string): HttpError =>
  forbidden('signature-invalid', `${SIGNATURE_HEADER} ${why}`);

async function _verifiesWithAny(
  keys: readonly CryptoKey[],
  signature: Uint8Array<ArrayBuffer>,
  signed: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  for (const key of keys) {
    try {
      if (await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature, signed)) {
        return true;
      }
    } catch {
      // A runtime that throws on an out-of-range r or s: that signature is simply not valid.
    }
  }
  return false;
}

export interface SendgridVerifierOptions {
  /** The imported keys (rotation: any one verifies), or why they could not be imported. */
  readonly keys: Promise<readonly CryptoKey[] | Error>;
  readonly maxAgeSeconds: number;
  readonly now: () => Date;
}

/** The request check: undefined when the raw body carries a valid, recent signature. */
export function createSendgridVerifier(options: SendgridVerifierOptions) {
  return async (request: Request, body: Uint8Array): Promise<HttpError | undefined> => {
    const header = request.headers.get(SIGNATURE_HEADER)?.trim();
    const timestamp = request.headers.get(TIMESTAMP_HEADER)?.trim();
    if (!header || !timestamp) {
      return forbidden(
        'signature-missing',
        missingHeader(header ? TIMESTAMP_HEADER : SIGNATURE_HEADER),
      );
    }
    const der = decodeBase64(header);
    if (!der) return _invalid('is not base64');
    const signature = derToP1363(der);
    if (!signature) return _invalid('is not a DER ECDSA signature');
    if (!/^\d{1,12}$/.test(timestamp)) {
      return forbidden('timestamp-invalid', `${TIMESTAMP_HEADER} is not Unix seconds`);
    }
    const keys = await options.keys;
    if (keys instanceof Error) {
      // 503, never 500: the ESP retries while the runtime (or the key) is fixed.
      return unavailable('key-unavailable', 'the SendGrid verification key could not be imported');
    }
    const signed = prefixed(timestamp, body);
    if (!(await _verifiesWithAny(keys, signature, signed))) {
      return _invalid('does not match the body and timestamp for the configured key');
    }
    // Time is judged once the signature holds: a forgery is `signature-invalid`, whatever its age.
    const ageMs = options.now().getTime() - Number(timestamp) * 1000;
    return refuseOutsideWindow(TIMESTAMP_HEADER, ageMs, options.maxAgeSeconds);
  };
}
