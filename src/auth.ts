/** Shared-secret credentials (HTTP Basic, bearer, a custom header) compared in constant time. */
import { HttpError } from './errors.js';
import { decodeBase64, sha256, strictUtf8 } from './providers/base64.js';

/** The user and password of an `Authorization: Basic` header, or undefined when none was sent. */
export function basicCredentials(
  header: string | null,
): { user: string; password: string } | undefined {
  const bytes = decodeBase64(/^Basic\s+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? '');
  if (!bytes) return undefined;
  let decoded: string;
  try {
    // Fatal: bytes that are not UTF-8 must not all collapse into U+FFFD and compare equal.
    decoded = strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The token of an `Authorization: Bearer` header, or undefined. */
export function bearerToken(header: string | null): string | undefined {
  const match = header && /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * Compares two secrets in time independent of where they differ: hashing first makes the
 * comparison length-independent as well.
 */
export async function timingSafeEqual(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([sha256(a), sha256(b)]);
  return equalBytes(x, y);
}

/** Constant-time comparison of two byte strings of any length (false when lengths differ). */
export function equalBytes(x: Uint8Array, y: Uint8Array): boolean {
  let diff = x.length ^ y.length;
  for (let i = 0; i < x.length; i++) diff |= (x[i] ?? 0) ^ (y[i % (y.length || 1)] ?? 0);
  return diff === 0;
}

/** True when `given` equals any of `secrets`; every one is compared, so timing says nothing. */
export async function matchesAny(given: string, secrets: readonly string[]): Promise<boolean> {
  const digest = await sha256(given);
  const results = await Promise.all(secrets.map(async (s) => equalBytes(digest, await sha256(s))));
  return results.includes(true);
}

/** Shared-secret settings: any one configured kind that matches is enough. */
export interface SharedSecret {
  /** HTTP Basic passwords (any user name unless `username` is set). */
  readonly password?: readonly string[] | undefined;
  readonly username?: string | undefined;
  /** `Authorization: Bearer` tokens. */
  readonly token?: readonly string[] | undefined;
  /** A custom header the ESP sends, and its accepted values. */
  readonly header?: string | undefined;
  readonly value?: readonly string[] | undefined;
}

/** True when at least one kind of credential is configured. */
export const hasSharedSecret = (s: SharedSecret): boolean =>
  Boolean(s.password?.length || s.token?.length || (s.header && s.value?.length));

function _challenge(secret: SharedSecret, realm: string): Record<string, string> {
  const challenges: string[] = [];
  if (secret.password?.length) challenges.push(`Basic realm="${realm}", charset="UTF-8"`);
  if (secret.token?.length) challenges.push(`Bearer realm="${realm}"`);
  return challenges.length ? { 'www-authenticate': challenges.join(', ') } : {};
}

/**
 * Checks a request against shared-secret settings: 401 (with the matching `WWW-Authenticate`)
 * when none of the configured credentials was sent, 403 when what was sent matches none.
 */
export async function checkSharedSecret(
  request: Request,
  secret: SharedSecret,
  realm: string,
): Promise<HttpError | undefined> {
  const authorization = request.headers.get('authorization');
  const sent: Promise<boolean>[] = [];
  const basic = secret.password?.length ? basicCredentials(authorization) : undefined;
  if (basic && secret.password) {
    const { username } = secret;
    const userOk = username === undefined ? true : matchesAny(basic.user, [username]);
    sent.push(
      Promise.all([matchesAny(basic.password, secret.password), userOk]).then(
        ([passwordOk, nameOk]) => passwordOk && nameOk,
      ),
    );
    // Without a username, `user:password` as a whole may be the secret (django-anymail's form).
    if (username === undefined)
      sent.push(matchesAny(`${basic.user}:${basic.password}`, secret.password));
  }
  const token = secret.token?.length ? bearerToken(authorization) : undefined;
  if (token !== undefined && secret.token) sent.push(matchesAny(token, secret.token));
  const headerValue = secret.header ? request.headers.get(secret.header) : null;
  if (headerValue !== null && secret.value) sent.push(matchesAny(headerValue, secret.value));
  // The custom header's name is configuration: the log line names it, the answer does not (it
  // would tell a stranger which header to forge).
  const logged = secret.header ? { header: secret.header } : undefined;
  if (sent.length === 0) {
    // An Authorization header was sent but holds no credential of a configured kind (several
    // headers, joined; Basic to a bearer-only route; a token with spaces): say so, or the sender
    // is told to send what it believes it sent.
    const unread =
      authorization !== null && (secret.password?.length || secret.token?.length)
        ? '; the Authorization header sent holds none'
        : '';
    return new HttpError(
      401,
      'credentials-required',
      `this endpoint needs credentials (${_kinds(secret)})${unread}`,
      _challenge(secret, realm),
      logged,
    );
  }
  if ((await Promise.all(sent)).includes(true)) return undefined;
  return new HttpError(
    403,
    'secret-mismatch',
    `the credentials sent do not match (${_kinds(secret)})`,
    {},
    logged,
  );
}

function _kinds(secret: SharedSecret): string {
  const kinds: string[] = [];
  if (secret.password?.length) kinds.push('HTTP Basic');
  if (secret.token?.length) kinds.push('bearer token');
  if (secret.header) kinds.push('a custom header');
  return kinds.join(' or ');
}
