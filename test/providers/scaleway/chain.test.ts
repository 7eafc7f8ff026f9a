/** The trust-anchor reader and the one-step issuer check, on certificates made at test time. */
import { beforeAll, describe, expect, test } from 'vitest';
import { checkIssuedBy, readTrustAnchors } from '../../../src/providers/scaleway/chain.js';
import { basicConstraintsCa, pemToDer, signedParts } from '../../../src/providers/ses/sns/x509.js';
import { generateSigningKeys } from '../../helpers/signing.js';
import { type CertificateAuthority, createAuthority, issue } from './helpers.js';

let ca: CertificateAuthority;
let leafDer: Uint8Array<ArrayBuffer>;
beforeAll(async () => {
  ca = await createAuthority();
  leafDer = pemToDer(await issue(ca.keys, await generateSigningKeys()));
});

const anchorsOf = (pem: string) => {
  const anchors = readTrustAnchors([pem]);
  if (typeof anchors === 'string') throw new Error(anchors);
  return anchors;
};

describe('signedParts', () => {
  test('gives the tbsCertificate the issuer signed, the sha256WithRSA OID and the signature', async () => {
    const parts = signedParts(leafDer);
    expect(parts.algorithm).toBe('2a 86 48 86 f7 0d 01 01 0b');
    const valid = await crypto.subtle.verify(
      'RSASSA-PKCS1-v1_5',
      ca.keys.publicKey,
      parts.signature,
      parts.tbs,
    );
    expect(valid).toBe(true);
  });

  test('throws for trailing bytes or a truncated certificate', () => {
    expect(() => signedParts(Uint8Array.of(...leafDer, 0))).toThrow(/trailing bytes/);
    expect(() => signedParts(leafDer.subarray(0, 100))).toThrow(/malformed/);
  });
});

describe('basicConstraintsCa', () => {
  test('true for cA TRUE, false for an end entity, undefined without the extension', async () => {
    const keys = await generateSigningKeys();
    const of = async (flag?: boolean) =>
      basicConstraintsCa(
        pemToDer(await issue(ca.keys, keys, flag === undefined ? {} : { ca: flag })),
      );
    expect([await of(true), await of(false), await of()]).toEqual([true, false, undefined]);
  });
});

describe('readTrustAnchors', () => {
  test('reads every certificate of a bundle, with \\n written as two characters too', () => {
    const bundle = `${ca.pem}\n${ca.pem}`;
    expect(anchorsOf(bundle)).toHaveLength(2);
    expect(anchorsOf(ca.pem.replace(/\n/g, '\\n'))).toHaveLength(1);
    expect(anchorsOf(ca.pem)[0]?.name).toBe('Test MnQ Root');
  });

  test('says what is wrong with text that holds no certificate', () => {
    expect(readTrustAnchors(['hello'])).toMatch(/no PEM certificate/);
  });
});

describe('checkIssuedBy', () => {
  test('accepts a certificate the anchor signed, refuses one it did not', async () => {
    const now = new Date();
    expect(await checkIssuedBy(leafDer, anchorsOf(ca.pem), now)).toBeUndefined();
    const other = await createAuthority('Other');
    const refusal = await checkIssuedBy(leafDer, anchorsOf(other.pem), now);
    expect([refusal?.status, refusal?.reason]).toEqual([403, 'cert-untrusted']);
    // The configured anchors are named in the log line only, never in the answer.
    expect(refusal?.message).not.toContain('Other');
    expect(refusal?.logged).toEqual({ trustAnchors: expect.stringContaining('Other') });
  });

  test('an anchor outside its validity at `now` vouches for nothing', async () => {
    const later = new Date(Date.now() + 2 * 365 * 24 * 3600 * 1000);
    expect((await checkIssuedBy(leafDer, anchorsOf(ca.pem), later))?.reason).toBe('cert-untrusted');
  });

  test('a signature algorithm other than RSA with SHA-2 is refused by name', async () => {
    // sha256WithRSA (…01 01 0b) rewritten to sha1WithRSA (…01 01 05) in the outer AlgorithmIdentifier.
    const sha1 = Uint8Array.from(leafDer);
    const oid = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
    let at = -1;
    for (let i = sha1.length - 270; i > 0; i--) {
      if (oid.every((b, k) => sha1[i + k] === b)) {
        at = i;
        break;
      }
    }
    sha1[at + 8] = 0x05;
    const refusal = await checkIssuedBy(sha1, anchorsOf(ca.pem), new Date());
    expect(refusal?.message).toContain('unsupported algorithm');
  });

  test('bytes that are not a certificate: 403 cert-untrusted', async () => {
    const refusal = await checkIssuedBy(Uint8Array.of(1, 2, 3), anchorsOf(ca.pem), new Date());
    expect(refusal?.reason).toBe('cert-untrusted');
  });
});
