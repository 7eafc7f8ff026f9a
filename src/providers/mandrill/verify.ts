/** Mandrill's X-Mandrill-Signature: base64 HMAC-SHA1 over the configured URL + sorted POST params. */
import { forbidden, type HttpError } from '../../errors.js';
import { hmacMatchesAny } from '../hmac.js';

export const SIGNATURE_HEADER = 'X-Mandrill-Signature';
const _encoder = new TextEncoder();

/**
 * What Mandrill signs: the webhook URL exactly as configured in Mandrill, then each POST
 * parameter's name and value, sorted by name (the last value of a repeated name, as Django reads it).
 */
export function signedText(url: string, form: URLSearchParams): string {
  const params = new Map<string, string>();
  for (const [name, value] of form) params.set(name, value);
  const names = [...params.keys()].sort();
  return url + names.map((name) => name + params.get(name)).join('');
}

/** Undefined when the signature matches under any key, else a 403 that names no URL or key. */
export async function checkMandrillSignature(
  request: Request,
  form: URLSearchParams,
  url: string,
  keys: Promise<CryptoKey[]>,
): Promise<HttpError | undefined> {
  const sent = request.headers.get(SIGNATURE_HEADER);
  if (!sent) return forbidden('signature-missing', `the ${SIGNATURE_HEADER} header is missing`);
  const message = _encoder.encode(signedText(url, form));
  if (await hmacMatchesAny(await keys, message, sent, 'base64')) return undefined;
  return forbidden(
    'signature-invalid',
    `${SIGNATURE_HEADER} does not match: check the webhook key, and that the url setting is exactly the URL configured in Mandrill`,
  );
}
