/** HTTP Basic credentials and a constant-time secret comparison (hash both sides, compare digests). */
import { forbidden, HttpError } from './errors.js';

const _encoder = new TextEncoder();

/** The password of an `Authorization: Basic` header, or undefined when none was sent. */
export function basicPassword(header: string | null): string | undefined {
  const match = header && /^Basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  let decoded: string;
  try {
    decoded = new TextDecoder().decode(Uint8Array.from(atob(match[1]), (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

/**
 * Compares two secrets in time independent of where they differ: hashing first makes the
 * comparison length-independent as well.
 */
export async function timingSafeEqual(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([
    crypto.subtle.digest('SHA-256', _encoder.encode(a)),
    crypto.subtle.digest('SHA-256', _encoder.encode(b)),
  ]);
  const x = new Uint8Array(da);
  const y = new Uint8Array(db);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** 401 (asking for Basic credentials) when none were sent, 403 when the password is wrong. */
export async function checkBasicSecret(
  request: Request,
  secret: string,
  realm: string,
): Promise<HttpError | undefined> {
  const password = basicPassword(request.headers.get('authorization'));
  if (password === undefined) {
    // SNS sends the credentials of an https://user:pass@ endpoint only after this challenge.
    return new HttpError(
      401,
      'credentials-required',
      'this endpoint needs HTTP Basic credentials',
      {
        'www-authenticate': `Basic realm="${realm}", charset="UTF-8"`,
      },
    );
  }
  if (!(await timingSafeEqual(password, secret))) {
    return forbidden(
      'secret-mismatch',
      'the HTTP Basic password does not match the configured secret',
    );
  }
  return undefined;
}
