/** `mailhooks keys <provider>`: a fresh test key pair for the ESPs that sign with a private key. */
import { base64, type CryptoAlgorithm, derToPem } from './signing.js';

/** One ESP's key type, and how its public half is configured. */
interface KeySpec {
  readonly algorithm: CryptoAlgorithm;
  /** `spki`: base64 SubjectPublicKeyInfo; `raw`: base64 of the raw key bytes. */
  readonly publicFormat: 'spki' | 'raw';
  readonly describe: string;
  readonly variable: string;
}

export const KEY_SPECS: Readonly<Record<string, KeySpec>> = {
  sendgrid: {
    algorithm: { name: 'ECDSA', namedCurve: 'P-256' },
    publicFormat: 'spki',
    describe: 'ECDSA P-256',
    variable: 'MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY',
  },
  postal: {
    algorithm: {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
      publicExponent: Uint8Array.of(1, 0, 1),
      hash: 'SHA-256',
    },
    publicFormat: 'spki',
    describe: 'RSA 2048',
    variable: 'MAIL_WEBHOOK_POSTAL_PUBLIC_KEY',
  },
  mailpace: {
    algorithm: { name: 'Ed25519' },
    publicFormat: 'raw',
    describe: 'Ed25519',
    variable: 'MAIL_WEBHOOK_MAILPACE_PUBLIC_KEY',
  },
};

export interface TestKeyPair {
  /** What the server is configured with (base64). */
  readonly publicKey: string;
  /** PKCS#8 PEM, for `--private-key`. */
  readonly privateKeyPem: string;
}

/** A fresh key pair of `spec`'s type. */
export async function generateTestKeys(spec: KeySpec): Promise<TestKeyPair> {
  const pair = (await crypto.subtle.generateKey(spec.algorithm, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const publicKey = new Uint8Array(
    (await crypto.subtle.exportKey(spec.publicFormat, pair.publicKey)) as ArrayBuffer,
  );
  const privateKey = new Uint8Array(
    (await crypto.subtle.exportKey('pkcs8', pair.privateKey)) as ArrayBuffer,
  );
  return { publicKey: base64(publicKey), privateKeyPem: derToPem(privateKey, 'PRIVATE KEY') };
}
