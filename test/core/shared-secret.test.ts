import { describe, expect, test } from 'vitest';
import {
  basicCredentials,
  bearerToken,
  checkSharedSecret,
  equalBytes,
  hasSharedSecret,
  matchesAny,
  type SharedSecret,
  timingSafeEqual,
} from '../../src/auth.js';

const REALM = 'mailhooks';
const b64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const basic = (userColonPassword: string): string => `Basic ${b64(utf8(userColonPassword))}`;

const check = (secret: SharedSecret, headers: HeadersInit) =>
  checkSharedSecret(new Request('https://h.example/x', { headers }), secret, REALM);

const outcome = async (secret: SharedSecret, headers: HeadersInit) =>
  (await check(secret, headers))?.status ?? 200;

describe('basicCredentials', () => {
  test('splits at the first colon: the password may contain colons', () => {
    expect(basicCredentials(basic('user:pa:ss'))).toEqual({ user: 'user', password: 'pa:ss' });
    expect(basicCredentials(basic(':pw'))).toEqual({ user: '', password: 'pw' });
  });

  test('is case-insensitive in the scheme and tolerates surrounding spaces', () => {
    expect(basicCredentials(`basic   ${b64(utf8('u:p'))}  `)).toEqual({ user: 'u', password: 'p' });
  });

  test.each([
    ['no header', null],
    ['an empty header', ''],
    ['the scheme alone', 'Basic'],
    ['the scheme and a space', 'Basic '],
    ['not base64', 'Basic !!!!'],
    ['broken base64', 'Basic a'],
    ['two tokens', `Basic ${b64(utf8('u:p'))} extra`],
    ['another scheme', `Digest ${b64(utf8('u:p'))}`],
    ['a user name without a colon', basic('justauser')],
    ['bytes that are not UTF-8', `Basic ${b64(new Uint8Array([0x75, 0x3a, 0xe4, 0x28]))}`],
  ])('%s gives no credentials', (_, header) => {
    expect(basicCredentials(header)).toBeUndefined();
  });

  test('decodes UTF-8 user names and passwords', () => {
    expect(basicCredentials(basic('jürgen:pässwörd✓'))).toEqual({
      user: 'jürgen',
      password: 'pässwörd✓',
    });
  });
});

describe('bearerToken', () => {
  test('reads one token, any case of the scheme', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken(null)).toBeUndefined();
  });
});

describe('constant-time comparison helpers', () => {
  test('equalBytes compares content and length', () => {
    expect(equalBytes(utf8('abc'), utf8('abc'))).toBe(true);
    expect(equalBytes(utf8('abc'), utf8('abd'))).toBe(false);
    expect(equalBytes(utf8('abc'), utf8('abcd'))).toBe(false);
    expect(equalBytes(utf8(''), utf8('a'))).toBe(false);
    expect(equalBytes(utf8(''), utf8(''))).toBe(true);
  });

  test('timingSafeEqual and matchesAny', async () => {
    expect(await timingSafeEqual('x', 'x')).toBe(true);
    expect(await timingSafeEqual('x', 'xx')).toBe(false);
    expect(await matchesAny('b', ['a', 'b', 'c'])).toBe(true);
    expect(await matchesAny('d', ['a', 'b', 'c'])).toBe(false);
    expect(await matchesAny('', [])).toBe(false);
  });

  test('hasSharedSecret needs one complete kind', () => {
    expect(hasSharedSecret({})).toBe(false);
    expect(hasSharedSecret({ password: [] })).toBe(false);
    expect(hasSharedSecret({ header: 'X-A' })).toBe(false);
    expect(hasSharedSecret({ header: 'X-A', value: ['v'] })).toBe(true);
    expect(hasSharedSecret({ token: ['t'] })).toBe(true);
  });
});

describe('checkSharedSecret', () => {
  const password: SharedSecret = { password: ['s3cret'] };

  test('a malformed Basic header counts as none sent: 401 with the Basic challenge', async () => {
    for (const authorization of ['Basic', 'Basic !!!', basic('no-colon-here')]) {
      const refusal = await check(password, { authorization });
      expect(refusal?.status).toBe(401);
      expect(refusal?.reason).toBe('credentials-required');
      expect(refusal?.headers['www-authenticate']).toBe('Basic realm="mailhooks", charset="UTF-8"');
    }
  });

  test('a right password behind a scheme that is not exactly Basic (glued, prefixed) is refused 401', async () => {
    const token = b64(utf8(':s3cret'));
    for (const authorization of [`Basic${token}`, `XBasic ${token}`, `Bearer Basic ${token}`]) {
      const refusal = await check(password, { authorization });
      expect({ authorization, status: refusal?.status, reason: refusal?.reason }).toEqual({
        authorization,
        status: 401,
        reason: 'credentials-required',
      });
    }
  });

  test('right password under any user name passes; wrong one is 403 secret-mismatch', async () => {
    expect(await check(password, { authorization: basic('anyone:s3cret') })).toBeUndefined();
    const refusal = await check(password, { authorization: basic('anyone:s3cre') });
    expect([refusal?.status, refusal?.reason]).toEqual([403, 'secret-mismatch']);
    expect(refusal?.message).not.toContain('s3cret');
  });

  test('with a username, both must match', async () => {
    const secret = { ...password, username: 'hooks' };
    expect(await outcome(secret, { authorization: basic('hooks:s3cret') })).toBe(200);
    expect(await outcome(secret, { authorization: basic('Hooks:s3cret') })).toBe(403);
    expect(await outcome(secret, { authorization: basic('hooks:wrong') })).toBe(403);
    expect(await outcome(secret, { authorization: basic(':s3cret') })).toBe(403);
  });

  test('with a username, a password holding a colon is no anymail user:password pair: the user must still match', async () => {
    const secret = { password: ['intruder:s3cret'], username: 'hooks' };
    expect(await outcome(secret, { authorization: basic('hooks:intruder:s3cret') })).toBe(200);
    expect(await outcome(secret, { authorization: basic('intruder:s3cret') })).toBe(403);
  });

  test('non-ASCII passwords and user names compare as UTF-8', async () => {
    const secret = { password: ['pässwörd✓'], username: 'jürgen' };
    expect(await outcome(secret, { authorization: basic('jürgen:pässwörd✓') })).toBe(200);
    expect(await outcome(secret, { authorization: basic('jürgen:passwörd✓') })).toBe(403);
    // The same password in Latin-1 is not UTF-8: treated as no credentials, never a match.
    const latin1 = new Uint8Array([...utf8('j'), 0xfc, ...utf8('rgen:p'), 0xe4, ...utf8('ssw')]);
    expect(await outcome(secret, { authorization: `Basic ${b64(latin1)}` })).toBe(401);
  });

  test('a password containing U+FFFD is not matched by arbitrary invalid bytes', async () => {
    const secret = { password: ['a\uFFFDb'] };
    const invalid = new Uint8Array([...utf8('u:a'), 0xff, ...utf8('b')]);
    expect(await outcome(secret, { authorization: `Basic ${b64(invalid)}` })).toBe(401);
    expect(await outcome(secret, { authorization: basic('u:a\uFFFDb') })).toBe(200);
  });

  test('an empty password sent is compared, and refused', async () => {
    expect(await outcome(password, { authorization: basic('user:') })).toBe(403);
  });

  test('a header kind: missing 401 without a challenge, empty or wrong 403, right 200', async () => {
    const secret = { header: 'X-Hook-Secret', value: ['v1', 'v0'] };
    const missing = await check(secret, {});
    expect(missing?.status).toBe(401);
    expect(missing?.headers).toEqual({});
    // The header's name is configuration: logged, never in the answer (a stranger would forge it).
    expect(missing?.message).toBe('this endpoint needs credentials (a custom header)');
    expect(missing?.logged).toEqual({ header: 'X-Hook-Secret' });
    const wrong = await check(secret, { 'x-hook-secret': 'v2' });
    expect(wrong?.message).not.toContain('Hook');
    expect(await outcome(secret, { 'x-hook-secret': '' })).toBe(403);
    expect(await outcome(secret, { 'x-hook-secret': 'v2' })).toBe(403);
    expect(await outcome(secret, { 'x-hook-secret': 'v0' })).toBe(200);
  });

  test('a token kind: Basic sent instead is 401 with a Bearer challenge', async () => {
    const refusal = await check({ token: ['t'] }, { authorization: basic('u:t') });
    expect(refusal?.status).toBe(401);
    expect(refusal?.headers['www-authenticate']).toBe('Bearer realm="mailhooks"');
  });

  test('an Authorization header of no configured kind: 401 that says the header holds none', async () => {
    const reads =
      'this endpoint needs credentials (bearer token); the Authorization header sent holds none';
    // Basic to a bearer-only route, two headers (fetch joins them), a token with a space.
    expect((await check({ token: ['t'] }, { authorization: basic('u:t') }))?.message).toBe(reads);
    const twice = new Headers([
      ['authorization', 'Bearer t'],
      ['authorization', 'Bearer t'],
    ]);
    expect((await check({ token: ['t'] }, twice))?.message).toBe(reads);
    expect((await check({ token: ['t'] }, { authorization: 'Bearer t u' }))?.message).toBe(reads);
    // None sent: the plain message.
    expect((await check({ token: ['t'] }, {}))?.message).toBe(
      'this endpoint needs credentials (bearer token)',
    );
  });

  test('several kinds: any one match is enough, all wrong is 403', async () => {
    const secret = { password: ['p'], token: ['t'], header: 'X-K', value: ['k'] };
    expect(await outcome(secret, { authorization: 'Bearer t', 'x-k': 'wrong' })).toBe(200);
    expect(await outcome(secret, { authorization: basic('u:wrong'), 'x-k': 'k' })).toBe(200);
    expect(await outcome(secret, { authorization: 'Bearer x', 'x-k': 'y' })).toBe(403);
    const none = await check(secret, {});
    expect(none?.headers['www-authenticate']).toBe(
      'Basic realm="mailhooks", charset="UTF-8", Bearer realm="mailhooks"',
    );
    expect(none?.message).toBe(
      'this endpoint needs credentials (HTTP Basic or bearer token or a custom header)',
    );
  });
});
