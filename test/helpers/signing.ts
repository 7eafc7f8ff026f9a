/**
 * Signed SNS messages for tests: an RSA key and a self-signed certificate made at test time,
 * a signer for v1/v2 messages of every Type, and a fetch stub serving the certificate.
 * Runtime-neutral (crypto.subtle and TextEncoder only): runs under Node, Deno, Bun and workerd.
 */
import {
  bitString,
  commonName,
  der,
  dnsName,
  explicit,
  integer,
  nullValue,
  octetString,
  oid,
  sequence,
  time,
} from './der-writer.js';

export type SignatureVersion = '1' | '2';

/** An SNS message as it travels in a request body (JSON), before or after signing. */
export type SnsBody = Record<string, string>;

export interface CertificateOptions {
  /** subjectAltName dNSNames; default `['sns.amazonaws.com']`. */
  readonly names?: readonly string[];
  /** Subject and issuer CN; default the first name, or `sns.amazonaws.com`. */
  readonly commonName?: string;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  /** The subjectPublicKeyInfo to certify; default the public key of `keys`. */
  readonly spki?: Uint8Array<ArrayBuffer>;
  /** Adds basicConstraints with this cA value (false: an empty SEQUENCE, as DER writes it); none when absent. */
  readonly ca?: boolean;
}

export interface SignerOptions extends CertificateOptions {
  /** Default `us-east-1`. */
  readonly region?: string;
  /** Default `amazonaws.com`. */
  readonly suffix?: string;
  /** Default `https://sns.<region>.<suffix>/SimpleNotificationService-<random hex>.pem`. */
  readonly certUrl?: string;
  /** Default one key pair shared by every signer of this module; pass a fresh one for a "foreign" key. */
  readonly keys?: CryptoKeyPair;
}

/** A fetch stub; `calls` lists every URL asked for, `outage` makes it fail like a sick host. */
export interface CertFetch {
  (input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  readonly calls: string[];
  /** An HTTP status to answer with, 'network' to reject, 'hang' to never answer. */
  outage: number | 'network' | 'hang' | undefined;
}

export interface Signer {
  readonly certUrl: string;
  readonly certPem: string;
  /** `sns.<region>.<suffix>` */
  readonly host: string;
  readonly region: string;
  /** A topic in the signer's region and partition. */
  readonly topicArn: string;
  /** Serves `certPem` at `certUrl` (404 elsewhere) and counts calls. */
  readonly fetch: CertFetch;
  notification(fields?: SnsBody): SnsBody;
  subscriptionConfirmation(fields?: SnsBody): SnsBody;
  unsubscribeConfirmation(fields?: SnsBody): SnsBody;
  /** Adds SignatureVersion, SigningCertURL and Signature (default version "2"). */
  sign(message: SnsBody, version?: SignatureVersion): Promise<SnsBody>;
}

const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
const encoder = new TextEncoder();

/** A fresh RSA key pair (2048 bits unless told) that can sign with SHA-256 (and SHA-1 through `sign`). */
export async function generateSigningKeys(modulusLength = 2048): Promise<CryptoKeyPair> {
  const params = { ...RSA, modulusLength, publicExponent: Uint8Array.of(1, 0, 1) };
  // Casts keep both DOM and Workers typings happy (Workers types return unions here).
  return (await crypto.subtle.generateKey(params, true, ['sign', 'verify'])) as CryptoKeyPair;
}

let sharedKeys: Promise<CryptoKeyPair> | undefined;
const _sharedKeys = () => {
  sharedKeys ??= generateSigningKeys();
  return sharedKeys;
};

const _hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

export const randomHex = (size: number) => _hex(crypto.getRandomValues(new Uint8Array(size)));

function _base64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** PEM text around DER bytes, 64 characters a line. */
export function toPem(der: Uint8Array): string {
  const lines = _base64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** A self-signed X.509 v3 certificate (sha256WithRSAEncryption) with a SAN extension, as DER. */
export async function buildCertificate(keys: CryptoKeyPair, options: CertificateOptions = {}) {
  const names = options.names ?? ['sns.amazonaws.com'];
  const cn = commonName(options.commonName ?? names[0] ?? 'sns.amazonaws.com');
  const spki =
    options.spki ??
    new Uint8Array((await crypto.subtle.exportKey('spki', keys.publicKey)) as ArrayBuffer);
  const algorithm = sequence(oid('1.2.840.113549.1.1.11'), nullValue());
  const san = sequence(oid('2.5.29.17'), octetString(sequence(...names.map(dnsName))));
  const flag = options.ca ? [der(0x01, Uint8Array.of(0xff))] : [];
  const constraints = sequence(oid('2.5.29.19'), octetString(sequence(...flag)));
  const tbs = sequence(
    explicit(0, integer(Uint8Array.of(2))),
    integer(crypto.getRandomValues(new Uint8Array(8))),
    algorithm,
    cn,
    sequence(
      time(options.notBefore ?? new Date(Date.now() - DAY_MS)),
      time(options.notAfter ?? new Date(Date.now() + 365 * DAY_MS)),
    ),
    cn,
    spki,
    explicit(3, options.ca === undefined ? sequence(san) : sequence(san, constraints)),
  );
  const signature = await crypto.subtle.sign(RSA, keys.privateKey, tbs);
  return sequence(tbs, algorithm, bitString(new Uint8Array(signature)));
}

const SIGNED_KEYS: Record<string, readonly string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  Confirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/** The SNS string to sign, written independently of the code under test. */
export function snsStringToSign(message: SnsBody): string {
  const keys = SIGNED_KEYS[message.Type === 'Notification' ? 'Notification' : 'Confirmation'] ?? [];
  return keys
    .filter((key) => message[key] !== undefined)
    .map((key) => `${key}\n${message[key]}\n`)
    .join('');
}

/** Signs `message` with `privateKey` as SNS SignatureVersion `version` would. */
export async function signWith(privateKey: CryptoKey, message: SnsBody, version: SignatureVersion) {
  const hash = version === '1' ? 'SHA-1' : 'SHA-256';
  const pkcs8 = (await crypto.subtle.exportKey('pkcs8', privateKey)) as ArrayBuffer;
  const key = await crypto.subtle.importKey('pkcs8', pkcs8, { ...RSA, hash }, false, ['sign']);
  const signature = await crypto.subtle.sign(
    RSA.name,
    key,
    encoder.encode(snsStringToSign(message)),
  );
  return _base64(new Uint8Array(signature));
}

// Not async: the throw happens inside the stub's own promise, which the caller already awaits.
function _answer(
  served: Readonly<Record<string, string>>,
  stub: CertFetch,
  url: string,
): Response | Promise<Response> {
  if (stub.outage === 'network') throw new TypeError('fetch failed: connection refused');
  if (stub.outage === 'hang') return new Promise<Response>(() => {});
  if (stub.outage !== undefined) return new Response('unavailable', { status: stub.outage });
  const pem = served[url];
  return pem === undefined ? new Response('not found', { status: 404 }) : new Response(pem);
}

/** A fetch stub serving each PEM at its URL; `resolve` may map a URL to a key of `served`. */
export function serveCertificates(
  served: Readonly<Record<string, string>>,
  resolve: (url: string) => string = (url) => url,
): CertFetch {
  const stub = (async (input: RequestInfo | URL) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    stub.calls.push(url);
    // Answer on a later turn, as a real download would, so concurrent callers overlap.
    await new Promise((resolveLater) => setTimeout(resolveLater, 1));
    return _answer(served, stub, resolve(url));
  }) as CertFetch;
  Object.assign(stub, { calls: [], outage: undefined });
  return stub;
}

function _partition(region: string, suffix: string): string {
  if (suffix === 'amazonaws.com.cn') return 'aws-cn';
  if (suffix === 'amazonaws.eu') return 'aws-eusc';
  return region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

function _builders(host: string, topicArn: string) {
  const base = (type: string, fields: SnsBody): SnsBody => ({
    Type: type,
    MessageId: crypto.randomUUID(),
    TopicArn: topicArn,
    Timestamp: new Date().toISOString(),
    ...fields,
  });
  const confirmation = (type: string, fields: SnsBody): SnsBody => {
    const token = fields.Token ?? randomHex(64);
    const arn = fields.TopicArn ?? topicArn;
    return base(type, {
      Message: `You have chosen to subscribe to the topic ${arn}.`,
      Token: token,
      SubscribeURL: `https://${host}/?Action=ConfirmSubscription&TopicArn=${arn}&Token=${token}`,
      ...fields,
    });
  };
  return {
    notification: (fields: SnsBody = {}) => base('Notification', { Message: '{}', ...fields }),
    subscriptionConfirmation: (fields: SnsBody = {}) =>
      confirmation('SubscriptionConfirmation', fields),
    unsubscribeConfirmation: (fields: SnsBody = {}) =>
      confirmation('UnsubscribeConfirmation', fields),
  };
}

/**
 * A signer with its own self-signed certificate.
 * @example
 * const signer = await createSigner({ region: 'us-east-1' });
 * const body = JSON.stringify(await signer.sign(signer.notification({ Message: sesEventJson })));
 */
export async function createSigner(options: SignerOptions = {}): Promise<Signer> {
  const region = options.region ?? 'us-east-1';
  const suffix = options.suffix ?? 'amazonaws.com';
  const host = `sns.${region}.${suffix}`;
  const certUrl =
    options.certUrl ?? `https://${host}/SimpleNotificationService-${randomHex(16)}.pem`;
  const keys = options.keys ?? (await _sharedKeys());
  const certPem = toPem(await buildCertificate(keys, options));
  const topicArn = `arn:${_partition(region, suffix)}:sns:${region}:123456789012:mailhooks-test`;
  return {
    certUrl,
    certPem,
    host,
    region,
    topicArn,
    fetch: serveCertificates({ [certUrl]: certPem }),
    ..._builders(host, topicArn),
    async sign(message, version = '2') {
      const signed = { ...message, SignatureVersion: version, SigningCertURL: certUrl };
      return { ...signed, Signature: await signWith(keys.privateKey, signed, version) };
    },
  };
}
