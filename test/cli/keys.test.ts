/** `mailhooks keys <provider>`: the key type each ESP signs with, in the form its setting takes. */
import { describe, expect, test } from 'vitest';
import { cli } from './harness';

const decode = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/** The public key and the PEM body `keys` printed. */
function printed(out: string, variable: string) {
  const publicKey = new RegExp(`^${variable}=(\\S+)$`, 'm').exec(out)?.[1] ?? '';
  const pem =
    /-----BEGIN PRIVATE KEY-----\n([\s\S]*?)\n-----END PRIVATE KEY-----/.exec(out)?.[1] ?? '';
  return { publicKey, pem };
}

describe('mailhooks keys', () => {
  test('sendgrid: ECDSA P-256, its public half a base64 SubjectPublicKeyInfo', async () => {
    const { code, out } = await cli(['keys', 'sendgrid']);
    expect(code).toBe(0);
    expect(out).toMatch(/^# sendgrid test key pair \(ECDSA P-256\); for local trials only\./);
    const { publicKey } = printed(out, 'MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY');
    const key = await crypto.subtle.importKey(
      'spki',
      decode(publicKey),
      { name: 'ECDSA', namedCurve: 'P-256' },
      true,
      ['verify'],
    );
    expect(key.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });
  });

  test('postal: RSA of 2048 bits and exponent 65537, its public half a base64 SubjectPublicKeyInfo', async () => {
    const { code, out } = await cli(['keys', 'postal']);
    expect(code).toBe(0);
    expect(out).toMatch(/^# postal test key pair \(RSA 2048\)/);
    const { publicKey } = printed(out, 'MAIL_WEBHOOK_POSTAL_PUBLIC_KEY');
    const key = await crypto.subtle.importKey(
      'spki',
      decode(publicKey),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      true,
      ['verify'],
    );
    // 65537, the exponent of the keys OpenSSL makes, Postal's own included.
    expect(key.algorithm).toMatchObject({
      modulusLength: 2048,
      publicExponent: Uint8Array.of(1, 0, 1),
    });
  });

  test('mailpace: Ed25519, its public half the 32 raw key bytes in base64, as MailPace shows it', async () => {
    const { code, out } = await cli(['keys', 'mailpace']);
    expect(code).toBe(0);
    const { publicKey } = printed(out, 'MAIL_WEBHOOK_MAILPACE_PUBLIC_KEY');
    expect(decode(publicKey)).toHaveLength(32);
  });

  test.each(['sendgrid', 'postal', 'mailpace'])(
    '%s: the private key is a PKCS#8 PEM of 64-character lines',
    async (name) => {
      const { out } = await cli(['keys', name]);
      const { pem } = printed(out, `MAIL_WEBHOOK_${name.toUpperCase()}_PUBLIC_KEY`);
      const lines = pem.split('\n');
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines.slice(0, -1)) expect(line).toHaveLength(64);
      expect(lines.at(-1)?.length).toBeLessThanOrEqual(64);
    },
  );
});
