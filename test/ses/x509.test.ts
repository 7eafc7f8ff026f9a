import { describe, expect, it } from 'vitest';
import { decodePaddedBase64 as decodeBase64 } from '../../src/providers/base64.js';
import { signatureHash, stringToSign } from '../../src/providers/ses/sns/string-to-sign.js';
import { parseCertificate, pemToDer } from '../../src/providers/ses/sns/x509.js';
import { realCertificates } from '../fixtures/sns-real/index.js';
import { buildCertificate, generateSigningKeys, toPem } from '../helpers/signing.js';

const pem = (name: string) => realCertificates[`SimpleNotificationService-${name}.pem`] ?? '';

describe('X.509 reader', () => {
  it('reads names and validity of a real SNS certificate (UTCTime)', () => {
    const cert = parseCertificate(pemToDer(pem('6aad65c2f9911b05cd53efda11f913f9')));
    expect(cert.commonNames).toEqual(['sns.amazonaws.com']);
    expect(cert.dnsNames).toEqual(['sns.amazonaws.com']);
    expect(cert.notBefore.toISOString()).toBe('2019-02-05T00:00:00.000Z');
    expect(cert.notAfter.toISOString()).toBe('2020-01-23T12:00:00.000Z');
  });

  it("reads the subject's CN alone, a TeletexString one too (AWS's certificate d6d679a1…)", () => {
    // Both subjects are C=US, ST=Washington, L=Seattle, O=Amazon.com, Inc., CN=sns.amazonaws.com.
    for (const name of ['b95095beb82e8f6a046b3aafc7f4149a', 'd6d679a1d18e95c2f9ffcf11f4f9e198']) {
      expect(parseCertificate(pemToDer(pem(name))).commonNames).toEqual(['sns.amazonaws.com']);
    }
  });

  it('extracts a subjectPublicKeyInfo crypto.subtle imports', async () => {
    for (const text of Object.values(realCertificates)) {
      const { spki } = parseCertificate(pemToDer(text));
      const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
      const key = await crypto.subtle.importKey('spki', spki, algorithm, false, ['verify']);
      expect(key.type).toBe('public');
    }
  });

  it('reads GeneralizedTime and a SAN with several names', async () => {
    const keys = await generateSigningKeys();
    const der = await buildCertificate(keys, {
      names: ['a.example', 'sns.us-east-1.amazonaws.com'],
      commonName: 'c.example',
      notBefore: new Date('2049-12-31T23:59:59Z'),
      notAfter: new Date('2050-01-01T00:00:00Z'),
    });
    const cert = parseCertificate(pemToDer(toPem(der)));
    expect(cert.dnsNames).toEqual(['a.example', 'sns.us-east-1.amazonaws.com']);
    expect(cert.commonNames).toEqual(['c.example']);
    expect(cert.notBefore.toISOString()).toBe('2049-12-31T23:59:59.000Z');
    expect(cert.notAfter.toISOString()).toBe('2050-01-01T00:00:00.000Z');
  });

  it('reads a UTCTime year of 50-99 as 19YY, and refuses a time that rolls over or is not a time', async () => {
    const keys = await generateSigningKeys();
    const der = await buildCertificate(keys, {
      names: ['sns.amazonaws.com'],
      notBefore: new Date('1999-12-31T00:00:00Z'),
      notAfter: new Date('2050-01-01T00:00:00Z'),
    });
    expect(parseCertificate(der).notBefore.toISOString()).toBe('1999-12-31T00:00:00.000Z');
    // Patched in place: the notBefore UTCTime's month, the notAfter GeneralizedTime's tag.
    const find = (text: string) => {
      const bytes = new TextEncoder().encode(text);
      return der.findIndex((_, i) => bytes.every((byte, j) => der[i + j] === byte));
    };
    const at = find('991231000000Z');
    const patched = (patch: (copy: Uint8Array<ArrayBuffer>) => void) => {
      const copy = der.slice();
      patch(copy);
      return () => parseCertificate(copy);
    };
    expect(patched((copy) => copy.set(new TextEncoder().encode('13'), at + 2))).toThrow(
      /validity time out of range/,
    );
    expect(patched((copy) => copy.set([0x0c], find('20500101000000Z') - 2))).toThrow(
      /malformed certificate: validity time$/,
    );
    expect(patched((copy) => copy.set(new TextEncoder().encode('X'), at + 12))).toThrow(
      /malformed certificate: validity time$/,
    );
  });

  it('refuses a certificate whose key is not RSA', async () => {
    const rsa = await generateSigningKeys();
    const ec = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
    ]);
    const spki = new Uint8Array(await crypto.subtle.exportKey('spki', ec.publicKey));
    const der = await buildCertificate(rsa, { spki });
    expect(() => parseCertificate(der)).toThrow(/not RSA/);
  });

  it('refuses truncated, padded and non-certificate input', () => {
    const der = pemToDer(pem('b95095beb82e8f6a046b3aafc7f4149a'));
    expect(() => parseCertificate(der.subarray(0, der.length - 1))).toThrow();
    expect(() => parseCertificate(Uint8Array.of(...der, 0))).toThrow(/trailing/);
    expect(() => parseCertificate(der.subarray(4, 200))).toThrow();
    expect(() => parseCertificate(new Uint8Array(0))).toThrow();
    expect(() => parseCertificate(Uint8Array.of(0x30, 0x80, 0, 0))).toThrow();
    expect(() => pemToDer('hello')).toThrow();
  });

  it.each([
    ['a truncated element', [0x30], /truncated element$/],
    ['a multi-byte tag', [0x1f, 0x01, 0x00], /multi-byte tag$/],
    ['an indefinite length', [0x30, 0x80, 0, 0], /unsupported length$/],
    ['a length of five bytes', [0x30, 0x85, 0, 0, 0, 0, 1, 0], /unsupported length$/],
    ['a length cut short', [0x30, 0x82, 0x01], /truncated length$/],
    ['an element longer than the input', [0x30, 0x03, 0x02, 0x01], /longer than its container$/],
    ['a SET where the certificate SEQUENCE goes', [0x31, 0x00], /expected certificate$/],
    ['no tbsCertificate', [0x30, 0x00], /expected tbsCertificate$/],
  ])('names %s as what is malformed', (_what, bytes, message) => {
    expect(() => parseCertificate(Uint8Array.from(bytes))).toThrow(message);
  });

  it('refuses a real certificate whose serial number is not an INTEGER', () => {
    const der = pemToDer(pem('b95095beb82e8f6a046b3aafc7f4149a'));
    // certificate SEQUENCE, tbsCertificate SEQUENCE (both long-form, 4 bytes each), version [0].
    const serialAt = 8 + 2 + (der[9] as number);
    expect(der[serialAt]).toBe(0x02);
    const patched = der.slice();
    patched[serialAt] = 0x04;
    expect(() => parseCertificate(patched)).toThrow(/expected serial number$/);
  });

  it('survives every single-byte truncation without hanging or a non-Error throw', () => {
    const der = pemToDer(pem('d6d679a1d18e95c2f9ffcf11f4f9e198'));
    for (let size = 0; size < der.length; size += 7) {
      expect(() => parseCertificate(der.subarray(0, size))).toThrow(Error);
    }
  });
});

describe('string to sign', () => {
  it('uses Subject only when present, and the confirmation keys for confirmations', () => {
    const base = { MessageId: 'm', TopicArn: 't', Message: 'é', Timestamp: 'ts' };
    expect(stringToSign({ ...base, Type: 'Notification' })).toBe(
      'Message\né\nMessageId\nm\nTimestamp\nts\nTopicArn\nt\nType\nNotification\n',
    );
    expect(stringToSign({ ...base, Type: 'Notification', Subject: '' })).toContain('Subject\n\n');
    expect(
      stringToSign({
        ...base,
        Type: 'UnsubscribeConfirmation',
        SubscribeURL: 'u',
        Token: 'k',
        Subject: 's',
      }),
    ).toBe(
      'Message\né\nMessageId\nm\nSubscribeURL\nu\nTimestamp\nts\nToken\nk\nTopicArn\nt\nType\nUnsubscribeConfirmation\n',
    );
  });

  it('maps SignatureVersion to a hash', () => {
    expect(signatureHash('1')).toBe('SHA-1');
    expect(signatureHash('2')).toBe('SHA-256');
    expect(signatureHash('3')).toBeUndefined();
    expect(signatureHash(' 2')).toBeUndefined();
    expect(signatureHash(undefined)).toBeUndefined();
  });

  it('decodes only canonical base64', () => {
    expect(decodeBase64('AAEC')).toEqual(Uint8Array.of(0, 1, 2));
    expect(decodeBase64('AAE=')).toEqual(Uint8Array.of(0, 1));
    expect(decodeBase64('AAE')).toBeUndefined();
    expect(decodeBase64('AA E=')).toBeUndefined();
    expect(decodeBase64('AA-_')).toBeUndefined();
    expect(decodeBase64('')).toBeUndefined();
  });
});
