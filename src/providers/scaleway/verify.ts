/** Scaleway Topics and Events messages: topic allow-list, age, certificate URL, issuer, signature. */
import { type FetchFn, forbidden, type HttpError, isHttpError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { parseUrl } from '../../parse-url.js';
import { checkValidity } from '../ses/sns/cert-policy.js';
import type { SnsMessage } from '../ses/sns/envelope.js';
import { createKeyCache, DEFAULT_MAX_CERTS } from '../ses/sns/key-cache.js';
import { checkTimestamp } from '../ses/sns/message-age.js';
import {
  checkTopicAllowed,
  createSignatureCheck,
  getSubscribeUrl,
  type SigningPolicy,
} from '../ses/sns/verify.js';
import type { Certificate } from '../ses/sns/x509.js';
import { checkScalewayCertUrl } from './cert-url.js';
import { issuerOf, type TrustAnchor } from './chain.js';

export interface ScalewayVerifierOptions {
  readonly verifySignature: boolean;
  readonly topicArns?: readonly string[] | undefined;
  /** The variable that sets `topicArns`, named in a refusal. */
  readonly topicVariable?: string | undefined;
  readonly anchors: readonly TrustAnchor[];
  readonly maxAgeSeconds: number;
  readonly fetch: FetchFn;
  readonly now: () => Date;
  readonly logger: Logger;
  /** Deadline for one certificate download or subscription confirmation; 5000 ms when absent. */
  readonly fetchTimeoutMs?: number | undefined;
}

/**
 * Scaleway's policy: a certificate under scw.cloud, valid now, issued by an anchor that is valid
 * now too (the signature was checked on download; the anchor's validity is checked on every
 * message, or a cached certificate would outlive the anchor that vouched for it).
 */
const _scalewayPolicy = (
  maxAgeSeconds: number,
  issuers: WeakMap<Certificate, TrustAnchor>,
): SigningPolicy<{ readonly href: string }> => ({
  certUrl: (raw) => {
    const href = checkScalewayCertUrl(raw);
    return isHttpError(href) ? href : { href };
  },
  // Scaleway signs with SignatureVersion 1 only (its Topics and Events reference): a 2 is no
  // message of Scaleway's, whatever its hash.
  versions: ['1'],
  checkMessage: (message, _certUrl, now) => checkTimestamp(message.Timestamp, now, maxAgeSeconds),
  checkCertificate: (certificate, _certUrl, now) => {
    const own = checkValidity(certificate, now);
    if (own) return own;
    const issuer = issuers.get(certificate);
    if (issuer && !checkValidity(issuer.certificate, now)) return undefined;
    return forbidden(
      'cert-untrusted',
      'signing certificate was not issued by a configured trust anchor valid now',
    );
  },
});

/** How soon a certificate URL may be downloaded again after a refusal its cached copy gave. */
const _REFETCH_MS = 60_000;

/** Refusals a newer certificate at the same URL could lift. */
const _STALE = new Set(['signature-invalid', 'cert-expired', 'cert-not-yet-valid']);

/**
 * Creates a verifier with its own certificate cache (each certificate's issuer is checked once,
 * when it is downloaded). Resolves to `undefined` for a genuine, allowed message, or a refusal.
 */
export function createScalewayVerifier(
  options: ScalewayVerifierOptions,
): (message: SnsMessage) => Promise<HttpError | undefined> {
  // Which anchor vouched for each downloaded certificate: kept as long as the cache keeps the
  // certificate, and no longer (a bound of its own would let other URLs' downloads evict the
  // issuer of a certificate still cached, and every message signed with it be refused).
  const issuers = new WeakMap<Certificate, TrustAnchor>();
  const check = async (der: Uint8Array<ArrayBuffer>, certificate: Certificate) => {
    const issuer = await issuerOf(der, options.anchors, options.now());
    if (isHttpError(issuer)) return issuer;
    issuers.set(certificate, issuer);
    return undefined;
  };
  // Scaleway may rotate a certificate at the same URL (Symfony's parser refetches it too): a
  // stale copy is forgotten below rather than refusing every message until a restart.
  const certificates = createKeyCache({
    fetch: options.fetch,
    logger: options.logger,
    timeoutMs: options.fetchTimeoutMs,
    check,
  });
  const checkSignature = createSignatureCheck(
    _scalewayPolicy(options.maxAgeSeconds, issuers),
    certificates,
  );
  // When each URL was last downloaded again: at most once a minute, so forged messages naming a
  // real certificate URL cannot make every request a download.
  const refetched = new Map<string, number>();
  /** The signature check, once more with a fresh download when a cached certificate failed it. */
  const checkFresh = async (message: SnsMessage, now: Date) => {
    const url = checkScalewayCertUrl(message.SigningCertURL ?? '');
    const cached = typeof url === 'string' && certificates.has(url);
    const refused = await checkSignature(message, now);
    if (!cached || !refused || !_STALE.has(refused.reason)) return refused;
    if (now.getTime() - (refetched.get(url) ?? -Infinity) < _REFETCH_MS) return refused;
    refetched.delete(url);
    refetched.set(url, now.getTime());
    if (refetched.size > DEFAULT_MAX_CERTS)
      refetched.delete(refetched.keys().next().value as string);
    certificates.forget(url);
    return checkSignature(message, now);
  };
  return async (message) => {
    const notAllowed = checkTopicAllowed(
      message.TopicArn,
      options.topicArns,
      options.topicVariable,
    );
    if (notAllowed || !options.verifySignature) return notAllowed;
    return checkFresh(message, options.now());
  };
}

// Scaleway's own hosts; the message carrying the URL has been verified before this is asked.
const SCW_HOST = /^(?:[a-z0-9-]+\.)+(?:scw\.cloud|scaleway\.com)$/;

/** Why a SubscribeURL must not be fetched, or undefined: Scaleway's host, this topic, this token. */
export function subscribeUrlProblem(message: SnsMessage): string | undefined {
  const url = parseUrl(message.SubscribeURL ?? '');
  if (!url) return 'is not a URL';
  if (url.protocol !== 'https:' || url.username || url.password || url.port || url.hash) {
    return 'is not a plain https URL';
  }
  if (!SCW_HOST.test(url.hostname)) return 'is not on a Scaleway host';
  const params = url.searchParams;
  if (params.get('Action') !== 'ConfirmSubscription') return 'is not Action=ConfirmSubscription';
  if (params.get('TopicArn') !== message.TopicArn)
    return "names another TopicArn than the message's";
  if (params.get('Token') !== message.Token) return "carries another Token than the message's";
  return undefined;
}

/** GETs the SubscribeURL of a verified, allowed SubscriptionConfirmation; 503 on failure so it is resent. */
export async function confirmScalewaySubscription(
  message: SnsMessage,
  options: Pick<ScalewayVerifierOptions, 'fetch' | 'logger' | 'fetchTimeoutMs'>,
): Promise<HttpError | undefined> {
  const problem = subscribeUrlProblem(message);
  if (problem) {
    return forbidden(
      'subscribe-url-invalid',
      `SubscribeURL ${JSON.stringify(message.SubscribeURL)} ${problem}`,
    );
  }
  return getSubscribeUrl(message, options, { answered: 'answered' });
}
