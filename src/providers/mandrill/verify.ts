/** Mandrill's X-Mandrill-Signature: base64 HMAC-SHA1 over the configured URL + sorted POST params. */
import { badRequest, forbidden, type HttpError } from '../../errors.js';
import { textEncoder } from '../base64.js';
import { hmacMatchesAny } from '../hmac.js';

export const SIGNATURE_HEADER = 'X-Mandrill-Signature';

/**
 * The POST parameters of a form (urlencoded as Mandrill posts it, or multipart as a test client
 * may: the same parameters are signed), each name once, or 400 `invalid-form` when a name repeats:
 * Mandrill sends each once, and with two copies the signature could cover one while the other
 * is parsed. The signature check and the parser both read this map.
 */
export function readForm(
  fields: Iterable<[string, unknown]>,
): ReadonlyMap<string, string> | HttpError {
  const params = new Map<string, string>();
  for (const [name, value] of fields) {
    if (typeof value !== 'string') {
      return badRequest(
        'invalid-form',
        `form field ${JSON.stringify(name.slice(0, 64))} is a file`,
      );
    }
    if (params.has(name)) {
      return badRequest(
        'invalid-form',
        `form field ${JSON.stringify(name.slice(0, 64))} appears more than once`,
      );
    }
    params.set(name, value);
  }
  return params;
}

/**
 * What Mandrill signs: the webhook URL exactly as configured in Mandrill, then each POST
 * parameter's name and value, sorted by name.
 */
export function signedText(url: string, params: ReadonlyMap<string, string>): string {
  const names = [...params.keys()].sort();
  return url + names.map((name) => name + params.get(name)).join('');
}

/** Undefined when the signature matches under any key, else a 403 that names no URL or key. */
export async function checkMandrillSignature(
  request: Request,
  form: ReadonlyMap<string, string>,
  url: string,
  keys: Promise<CryptoKey[]>,
): Promise<HttpError | undefined> {
  const sent = request.headers.get(SIGNATURE_HEADER);
  if (!sent) return forbidden('signature-missing', `the ${SIGNATURE_HEADER} header is missing`);
  const message = textEncoder.encode(signedText(url, form));
  if (await hmacMatchesAny(await keys, message, sent, 'base64')) return undefined;
  return forbidden(
    'signature-invalid',
    `${SIGNATURE_HEADER} does not match: check the webhook key, and that the url setting is exactly the URL configured in Mandrill`,
  );
}
