/** SNS message verification: topic allow-list, message age, certificate URL, signature. */
import {
  type FetchFn,
  forbidden,
  type HttpError,
  isHttpError,
  unavailable,
} from '../../../errors.js';
import type { Logger } from '../../../log.js';
import type { RsaVerify } from '../../../runtime-hooks.js';
import { decodePaddedBase64, isPaddedBase64, textEncoder } from '../../base64.js';
import { DEFAULT_FETCH_TIMEOUT_MS } from '../../types.js';
import { checkCertificate } from './cert-policy.js';
import { type CertUrl, checkCertUrl } from './cert-url.js';
import type { SnsMessage } from './envelope.js';
import { createKeyCache, type SigningCert } from './key-cache.js';
import { checkTimestamp } from './message-age.js';
import { checkTopicOnHost } from './sns-host.js';
import { type SignatureHash, signatureHash, stringToSign } from './string-to-sign.js';
import { checkSubscribeUrl } from './subscribe-url.js';
import { timedGet } from './timed-fetch.js';
import type { Certificate } from './x509.js';

export interface SnsVerifierOptions {
  /** Verify the signature (and with it the certificate URL, the certificate and the age). */
  readonly verifySignature: boolean;
  /** When set, every other TopicArn is refused. */
  readonly topicArns?: readonly string[] | undefined;
  /** The variable that sets `topicArns` (`MAIL_WEBHOOK_SES_TOPIC_ARNS`), named in a refusal. */
  readonly topicVariable?: string | undefined;
  /** Refuse messages whose Timestamp is older than this; 0 turns the check off. */
  readonly maxAgeSeconds: number;
  readonly fetch: FetchFn;
  readonly now: () => Date;
  readonly logger: Logger;
  /** Deadline for one certificate download or subscription confirmation; 5000 ms when absent. */
  readonly fetchTimeoutMs?: number | undefined;
  /** A runtime's own RSA verification (Node: `node:crypto`); `crypto.subtle` when absent. */
  readonly verifyRsa?: RsaVerify | undefined;
}

/**
 * What a message's signing certificate must be: the rule on its SigningCertURL (SNS's hosts and
 * path, or another ESP's), and the rules on the message and the certificate that depend on it.
 */
export interface SigningPolicy<U extends { readonly href: string }> {
  /** The SignatureVersions this sender uses; both SNS ones ("1", SHA-1; "2", SHA-256) if unset. */
  readonly versions?: readonly string[];
  /** The SigningCertURL to download, or a refusal; checked before any download. */
  readonly certUrl: (raw: string) => U | HttpError;
  /** Rules on the message that need no download (its age among them), after the URL's. */
  readonly checkMessage: (message: SnsMessage, certUrl: U, now: Date) => HttpError | undefined;
  /** Rules on the downloaded certificate (its validity among them). */
  readonly checkCertificate: (
    certificate: Certificate,
    certUrl: U,
    now: Date,
  ) => HttpError | undefined;
}

/** What the checks that need no network found: the hash and certificate URL to verify with. */
interface SignedParts<U> {
  readonly hash: SignatureHash;
  readonly certUrl: U;
  /** Canonical padded base64, checked; decoded by the verifier. */
  readonly signature: string;
}

/**
 * The `topicArns` allow-list: with none set, every topic is allowed. The refusal names the
 * variable that sets the list (`variable`), so whoever reads it knows where to add the topic.
 */
export function checkTopicAllowed(
  topicArn: string,
  topicArns: readonly string[] | undefined,
  variable?: string,
): HttpError | undefined {
  if (!topicArns || topicArns.includes(topicArn)) return undefined;
  const list = variable ? `${variable} (topicArns)` : 'topicArns';
  return forbidden(
    'topic-not-allowed',
    `TopicArn ${topicArn || '(missing)'} is not in the allow-list ${list}`,
  );
}

/** Every rule that needs no download, in the order an on-call person would look. */
function _checkBeforeFetch<U extends { readonly href: string }>(
  message: SnsMessage,
  now: Date,
  policy: SigningPolicy<U>,
): SignedParts<U> | HttpError {
  if (!message.Signature || !message.SigningCertURL) {
    return forbidden('signature-missing', 'the message carries no Signature or SigningCertURL');
  }
  const { versions } = policy;
  const version = message.SignatureVersion;
  const hash = !versions || versions.includes(version ?? '') ? signatureHash(version) : undefined;
  if (!hash) {
    return forbidden(
      'signature-version',
      `SignatureVersion ${JSON.stringify(version ?? null)} is not supported (${versions?.join(' or ') ?? '1 or 2'})`,
    );
  }
  const certUrl = policy.certUrl(message.SigningCertURL);
  if (isHttpError(certUrl)) return certUrl;
  const refusal = policy.checkMessage(message, certUrl, now);
  if (refusal) return refusal;
  if (!isPaddedBase64(message.Signature)) {
    return forbidden('signature-invalid', 'Signature is not valid base64');
  }
  return { hash, certUrl, signature: message.Signature };
}

/** Resolves true/false, or undefined when the certificate's key cannot verify with this hash. */
async function _subtleVerify(
  cert: SigningCert,
  hash: SignatureHash,
  signature: string,
  data: string,
): Promise<boolean | undefined> {
  const key = await cert.key(hash);
  if (!key) return undefined;
  const bytes = decodePaddedBase64(signature);
  if (!bytes) return false;
  // The cast only narrows: Workers types widen encode()'s buffer to ArrayBufferLike.
  return crypto.subtle
    .verify('RSASSA-PKCS1-v1_5', key, bytes, textEncoder.encode(data) as Uint8Array<ArrayBuffer>)
    .catch(() => false);
}

async function _checkSignature<U extends { readonly href: string }>(
  message: SnsMessage,
  parts: SignedParts<U>,
  cert: SigningCert,
  now: Date,
  policy: SigningPolicy<U>,
  verifyRsa: RsaVerify | undefined,
) {
  const refusal = policy.checkCertificate(cert.certificate, parts.certUrl, now);
  if (refusal) return refusal;
  const data = stringToSign(message);
  const valid = verifyRsa
    ? verifyRsa(cert.certificate.spki, parts.hash, parts.signature, data)
    : await _subtleVerify(cert, parts.hash, parts.signature, data);
  if (valid === undefined)
    return forbidden(
      'cert-invalid',
      `the key in ${parts.certUrl.href} cannot verify ${parts.hash} (an RSA key of 2048 bits or more)`,
    );
  if (valid) return undefined;
  return forbidden(
    'signature-invalid',
    `Signature does not match the message and the key in ${parts.certUrl.href}`,
  );
}

/**
 * The signature check of an SNS-shaped message under `policy`: the rules that need no download,
 * then the certificate (from `certificates`) and the signature over the string to sign.
 * Resolves to `undefined` when the signature is genuine, or to a refusal.
 */
export function createSignatureCheck<U extends { readonly href: string }>(
  policy: SigningPolicy<U>,
  certificates: (url: string) => Promise<SigningCert | HttpError>,
  verifyRsa?: RsaVerify | undefined,
): (message: SnsMessage, now: Date) => Promise<HttpError | undefined> {
  return async (message, now) => {
    const parts = _checkBeforeFetch(message, now, policy);
    if (isHttpError(parts)) return parts;
    const cert = await certificates(parts.certUrl.href);
    if (isHttpError(cert)) return cert;
    return _checkSignature(message, parts, cert, now, policy, verifyRsa);
  };
}

/** SNS's own policy: an SNS certificate URL and certificate for the topic's host; `maxAgeSeconds` bounds the age. */
const _snsPolicy = (maxAgeSeconds: number): SigningPolicy<CertUrl> => ({
  certUrl: checkCertUrl,
  checkMessage: (message, certUrl, now) =>
    checkTopicOnHost(message.TopicArn, certUrl.host) ??
    checkTimestamp(message.Timestamp, now, maxAgeSeconds) ??
    (message.Type === 'Notification' ? undefined : checkSubscribeUrl(message, certUrl.host)),
  checkCertificate: (certificate, certUrl, now) => checkCertificate(certificate, certUrl.host, now),
});

/**
 * Creates a verifier holding its own certificate-key cache; create it once per handler.
 * The verifier gives (or resolves to) `undefined` when the message is genuine and allowed, or a
 * refusal (403 naming the rule, 503 when a certificate cannot be downloaded right now).
 * @example
 * const verify = createSnsVerifier({ verifySignature: true, maxAgeSeconds: 3900, fetch, now: () => new Date(), logger });
 * const refusal = await verify(message);
 */
export function createSnsVerifier(
  options: SnsVerifierOptions,
): (message: SnsMessage) => HttpError | undefined | Promise<HttpError | undefined> {
  const certificates = createKeyCache({
    fetch: options.fetch,
    logger: options.logger,
    timeoutMs: options.fetchTimeoutMs,
  });
  const checkSignature = createSignatureCheck(
    _snsPolicy(options.maxAgeSeconds),
    certificates,
    options.verifyRsa,
  );
  // Not async: the rules that need no signature answer at once, a signature check as its promise.
  return (message) => {
    const notAllowed = checkTopicAllowed(
      message.TopicArn,
      options.topicArns,
      options.topicVariable,
    );
    if (notAllowed) return notAllowed;
    if (!options.verifySignature) {
      return message.Type === 'Notification' ? undefined : checkSubscribeUrl(message);
    }
    return checkSignature(message, options.now());
  };
}

/** How a failed confirmation is reported: who answered it. */
export interface ConfirmWording {
  /** Before "HTTP <status>" when the URL answered other than 2xx: `SNS answered`. */
  readonly answered: string;
}

/**
 * GETs the SubscribeURL of a verified, allowed SubscriptionConfirmation whose URL passed its rules.
 * Resolves to `undefined` once it answered 2xx, or to 503 confirm-failed so the message is sent again.
 */
export async function getSubscribeUrl(
  message: SnsMessage,
  options: Pick<SnsVerifierOptions, 'fetch' | 'logger' | 'fetchTimeoutMs'>,
  wording: ConfirmWording,
): Promise<HttpError | undefined> {
  const result = await timedGet(
    options.fetch,
    message.SubscribeURL as string,
    options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS,
  );
  if (result.ok && result.status >= 200 && result.status < 300) return undefined;
  // The runtime's error text goes to the log line only; an HTTP status is safe to say.
  const problem = result.ok ? `${wording.answered} HTTP ${result.status}` : 'no answer';
  return unavailable(
    'confirm-failed',
    `confirming the subscription to ${message.TopicArn} failed: ${problem}`,
    {
      subscribeUrl: message.SubscribeURL as string,
      ...(result.ok ? {} : { problem: result.problem }),
    },
  );
}

/**
 * GETs the SubscribeURL of a verified, allowed SubscriptionConfirmation.
 * Resolves to `undefined` once SNS answered 2xx, or to 503 confirm-failed so SNS sends it again.
 */
export async function confirmSubscription(
  message: SnsMessage,
  options: Pick<SnsVerifierOptions, 'fetch' | 'logger' | 'fetchTimeoutMs'>,
): Promise<HttpError | undefined> {
  // Checked again so that this function never GETs a URL the verifier would have refused.
  const refusal = checkSubscribeUrl(message);
  if (refusal) return refusal;
  return getSubscribeUrl(message, options, { answered: 'SNS answered' });
}
