/**
 * Scaleway test PKI, made at test time: a CA (the trust anchor), a signing certificate it issued,
 * SNS-style messages signed with that certificate's key, and a fetch stub serving it on scw.cloud.
 * Runtime-neutral (crypto.subtle only), so the same helpers run under Node and workerd.
 */
import { scaleway } from '../../../src/index.js';
import type { ScalewayOptions } from '../../../src/providers/scaleway/index.js';
import { captureHandler } from '../../helpers/capture-handler.js';
import {
  buildCertificate,
  type CertFetch,
  generateSigningKeys,
  randomHex,
  type SignatureVersion,
  type SnsBody,
  serveCertificates,
  signWith,
  toPem,
} from '../../helpers/signing.js';

export const URL_SCALEWAY = 'http://localhost/webhooks/mail/scaleway';
export const TOPIC_ARN =
  'arn:scw:sns:fr-par:project-22222222-2222-4222-8222-222222222222:tem-events';
const DAY_MS = 24 * 60 * 60 * 1000;

/** A TEM delivery event, as Scaleway's docs show one: the message the certificate tests sign. */
export const DELIVERED_EVENT = {
  id: 'af5c1aac-cf1b-4d4d-9e46-e6d0cd40b81c',
  type: 'email_delivered',
  email_id: 'd4fbec9d-eed9-44d5-af47-c1126467a5ca',
  created_at: '2026-01-15T10:30:00Z',
  email_to: 'recipient@example.com',
};

export interface CertificateAuthority {
  readonly keys: CryptoKeyPair;
  readonly pem: string;
}

/** A self-signed CA certificate, valid around now unless told. */
export async function createAuthority(
  name = 'Test MnQ Root',
  validity: { notBefore?: Date; notAfter?: Date } = {},
): Promise<CertificateAuthority> {
  const keys = await generateSigningKeys();
  return {
    keys,
    pem: toPem(await buildCertificate(keys, { commonName: name, names: [], ...validity })),
  };
}

/** A certificate for `subjectKeys` issued (signed) by `issuer`. */
export async function issue(
  issuer: CryptoKeyPair,
  subjectKeys: CryptoKeyPair,
  options: { commonName?: string; notBefore?: Date; notAfter?: Date; ca?: boolean } = {},
): Promise<string> {
  const spki = new Uint8Array(
    (await crypto.subtle.exportKey('spki', subjectKeys.publicKey)) as ArrayBuffer,
  );
  return toPem(
    await buildCertificate(issuer, {
      spki,
      names: [],
      commonName: options.commonName ?? 'Scaleway MnQ signing',
      notBefore: options.notBefore ?? new Date(Date.now() - DAY_MS),
      notAfter: options.notAfter ?? new Date(Date.now() + 365 * DAY_MS),
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    }),
  );
}

export interface ScalewaySigner {
  readonly certUrl: string;
  readonly certPem: string;
  readonly fetch: CertFetch;
  notification(message: unknown, fields?: SnsBody): SnsBody;
  subscriptionConfirmation(fields?: SnsBody): SnsBody;
  sign(message: SnsBody, version?: SignatureVersion): Promise<SnsBody>;
}

/** A signer whose certificate (`certPem`, default: issued by `issuer`) is served at `certUrl`. */
export async function createScalewaySigner(options: {
  issuer?: CryptoKeyPair;
  certPem?: string;
  keys?: CryptoKeyPair;
  certUrl?: string;
}): Promise<ScalewaySigner> {
  const keys = options.keys ?? (await generateSigningKeys());
  const certPem = options.certPem ?? (await issue(options.issuer ?? keys, keys));
  const certUrl =
    options.certUrl ?? `https://messaging.s3.fr-par.scw.cloud/fr-par/sns/${randomHex(16)}.pem`;
  const base = (type: string, fields: SnsBody): SnsBody => ({
    Type: type,
    MessageId: crypto.randomUUID(),
    TopicArn: TOPIC_ARN,
    Timestamp: new Date().toISOString(),
    ...fields,
  });
  return {
    certUrl,
    certPem,
    fetch: serveCertificates({ [certUrl]: certPem }),
    notification: (message, fields = {}) =>
      base('Notification', {
        Message: typeof message === 'string' ? message : JSON.stringify(message),
        ...fields,
      }),
    subscriptionConfirmation(fields = {}) {
      const token = fields.Token ?? randomHex(32);
      const arn = fields.TopicArn ?? TOPIC_ARN;
      return base('SubscriptionConfirmation', {
        Message: `You have chosen to subscribe to the topic ${arn}.`,
        Token: token,
        SubscribeURL: `https://sns.mnq.fr-par.scaleway.com/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(arn)}&Token=${token}`,
        ...fields,
      });
    },
    async sign(message, version = '1') {
      const signed = { ...message, SignatureVersion: version, SigningCertURL: certUrl };
      return { ...signed, Signature: await signWith(keys.privateKey, signed, version) };
    },
  };
}

/** A POST of `body` to the Scaleway route. */
export const scalewayRequest = (body: SnsBody | string) =>
  new Request(URL_SCALEWAY, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'text/plain; charset=UTF-8' },
  });

/** A handler with one Scaleway provider, the signer's fetch, and a capturing sink. */
export function scalewayHandler(options: ScalewayOptions, fetch: typeof globalThis.fetch) {
  const { handle, events: received, lines } = captureHandler(scaleway(options), { fetch });
  return { handle, received, lines };
}

export { jsonAnswer as answer } from '../../helpers/capture-handler.js';
