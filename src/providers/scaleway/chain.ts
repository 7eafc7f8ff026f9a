/** The trust anchors (Scaleway's SNS CA chain) and the check that a certificate was issued by one. */
import { forbidden, HttpError } from '../../errors.js';
import { decodePaddedBase64 } from '../base64.js';
import { checkValidity } from '../ses/sns/cert-policy.js';
import { rsaKeyPerHash } from '../ses/sns/key-cache.js';
import {
  basicConstraintsCa,
  type Certificate,
  parseCertificate,
  signedParts,
} from '../ses/sns/x509.js';

// RSA PKCS#1 v1.5 signature algorithms (RFC 4055), by OID; Scaleway's CA signs with SHA-256.
const RSA_SIGNATURES: ReadonlyMap<string, 'SHA-256' | 'SHA-384' | 'SHA-512'> = new Map([
  ['2a 86 48 86 f7 0d 01 01 0b', 'SHA-256'],
  ['2a 86 48 86 f7 0d 01 01 0c', 'SHA-384'],
  ['2a 86 48 86 f7 0d 01 01 0d', 'SHA-512'],
] as const);

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/g;

/** A trusted issuer: its certificate, with its key imported once per hash. */
export interface TrustAnchor {
  readonly certificate: Certificate;
  readonly name: string;
  /** False when its basicConstraints says it is no CA: it then issues nothing. */
  readonly ca: boolean | undefined;
  key(hash: string): Promise<CryptoKey | undefined>;
}

const _anchor = (der: Uint8Array): TrustAnchor => {
  const certificate = parseCertificate(der);
  return {
    certificate,
    ca: basicConstraintsCa(der),
    name: certificate.commonNames[0] ?? 'unnamed CA',
    key: rsaKeyPerHash(certificate.spki),
  };
};

/**
 * Every certificate in the PEM texts (a file may hold a chain; `\n` written as two characters,
 * as in an environment variable, is read as a line break), or a sentence saying what is wrong.
 */
export function readTrustAnchors(pems: readonly string[]): TrustAnchor[] | string {
  const anchors: TrustAnchor[] = [];
  for (const pem of pems) {
    const blocks = [...pem.replace(/\\n/g, '\n').matchAll(PEM_BLOCK)];
    if (blocks.length === 0) return 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)';
    for (const [, body] of blocks) {
      const der = decodePaddedBase64((body ?? '').replace(/\s+/g, ''));
      try {
        if (!der) throw new Error('not base64');
        anchors.push(_anchor(der));
      } catch {
        return `certificate ${anchors.length + 1} is not a readable RSA X.509 certificate`;
      }
    }
  }
  return anchors;
}

const _untrusted = (detail: string): HttpError =>
  forbidden('cert-untrusted', `signing certificate ${detail}`);

/**
 * Checks that `der` was signed by one of `anchors` valid at `now`: its signature over the
 * tbsCertificate verifies with that anchor's key. One step only; the anchors are trusted as given.
 */
export async function checkIssuedBy(
  der: Uint8Array,
  anchors: readonly TrustAnchor[],
  now: Date,
): Promise<HttpError | undefined> {
  const issuer = await issuerOf(der, anchors, now);
  return issuer instanceof HttpError ? issuer : undefined;
}

/** `checkIssuedBy`, giving the anchor that signed `der`: its own validity bounds the trust. */
export async function issuerOf(
  der: Uint8Array,
  anchors: readonly TrustAnchor[],
  now: Date,
): Promise<TrustAnchor | HttpError> {
  let parts: ReturnType<typeof signedParts>;
  try {
    parts = signedParts(der);
  } catch {
    return _untrusted('has no readable signature');
  }
  const hash = RSA_SIGNATURES.get(parts.algorithm);
  if (!hash) return _untrusted(`is signed with an unsupported algorithm (OID ${parts.algorithm})`);
  for (const anchor of anchors) {
    // Expired, or an end entity by its own basicConstraints: it vouches for nothing.
    if (checkValidity(anchor.certificate, now) || anchor.ca === false) continue;
    // No key for an RSA modulus under 2048 bits either (rsaKeyPerHash).
    const key = await anchor.key(hash);
    if (!key) continue;
    const valid = await crypto.subtle
      .verify('RSASSA-PKCS1-v1_5', key, parts.signature, parts.tbs)
      .catch(() => false);
    if (valid) return anchor;
  }
  // Which anchors are configured is configuration: the log line names them, the answer does not.
  return forbidden(
    'cert-untrusted',
    'signing certificate was not issued by a configured trust anchor valid now',
    { trustAnchors: anchors.map((a) => a.name).join(', ') },
  );
}
