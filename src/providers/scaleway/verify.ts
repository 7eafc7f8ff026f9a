/** Scaleway Topics and Events messages: topic allow-list, age, certificate URL, issuer, signature. */
import { forbidden, type HttpError, isHttpError, unavailable } from '../../errors.js';
import type { Logger } from '../../log.js';
import { decodeBase64 } from '../ses/sns/base64.js';
import { checkValidity } from '../ses/sns/cert-policy.js';
import type { SnsMessage } from '../ses/sns/envelope.js';
import { createKeyCache } from '../ses/sns/key-cache.js';
import { checkTimestamp } from '../ses/sns/message-age.js';
import { signatureHash, stringToSign } from '../ses/sns/string-to-sign.js';
import { timedGet } from '../ses/sns/timed-fetch.js';
import { checkTopicAllowed } from '../ses/sns/verify.js';
import { checkScalewayCertUrl } from './cert-url.js';
import { checkIssuedBy, type TrustAnchor } from './chain.js';

export interface ScalewayVerifierOptions {
  readonly verifySignature: boolean;
  readonly topicArns?: readonly string[] | undefined;
  readonly anchors: readonly TrustAnchor[];
  readonly maxAgeSeconds: number;
  readonly fetch: typeof fetch;
  readonly now: () => Date;
  readonly logger: Logger;
}

const CONFIRM_TIMEOUT_MS = 10_000;

/** Every rule that needs no download, in the order an on-call person would look. */
function _checkBeforeFetch(message: SnsMessage, now: Date, maxAgeSeconds: number) {
  if (!message.Signature || !message.SigningCertURL) {
    return forbidden('signature-missing', 'the message carries no Signature or SigningCertURL');
  }
  const hash = signatureHash(message.SignatureVersion);
  if (!hash) {
    return forbidden(
      'signature-version',
      `SignatureVersion ${JSON.stringify(message.SignatureVersion ?? null)} is not supported (1 or 2)`,
    );
  }
  const certUrl = checkScalewayCertUrl(message.SigningCertURL);
  if (isHttpError(certUrl)) return certUrl;
  const stale = checkTimestamp(message.Timestamp, now, maxAgeSeconds);
  if (stale) return stale;
  const signature = decodeBase64(message.Signature);
  if (!signature) return forbidden('signature-invalid', 'Signature is not valid base64');
  return { hash, certUrl, signature };
}

/**
 * Creates a verifier with its own certificate cache (each certificate's issuer is checked once,
 * when it is downloaded). Resolves to `undefined` for a genuine, allowed message, or a refusal.
 */
export function createScalewayVerifier(
  options: ScalewayVerifierOptions,
): (message: SnsMessage) => Promise<HttpError | undefined> {
  const certificates = createKeyCache({
    fetch: options.fetch,
    logger: options.logger,
    check: (der) => checkIssuedBy(der, options.anchors, options.now()),
  });
  return async (message) => {
    const notAllowed = checkTopicAllowed(message.TopicArn, options.topicArns);
    if (notAllowed || !options.verifySignature) return notAllowed;
    const now = options.now();
    const parts = _checkBeforeFetch(message, now, options.maxAgeSeconds);
    if (isHttpError(parts)) return parts;
    const cert = await certificates(parts.certUrl);
    if (isHttpError(cert)) return cert;
    const expired = checkValidity(cert.certificate, now);
    if (expired) return expired;
    const key = await cert.key(parts.hash);
    if (!key) {
      return forbidden('cert-invalid', `the key in ${parts.certUrl} cannot verify ${parts.hash}`);
    }
    const valid = await crypto.subtle
      .verify('RSASSA-PKCS1-v1_5', key, parts.signature, stringToSign(message))
      .catch(() => false);
    if (valid) return undefined;
    return forbidden(
      'signature-invalid',
      `Signature does not match the message and the key in ${parts.certUrl}`,
    );
  };
}

// Scaleway's own hosts; the message carrying the URL has been verified before this is asked.
const SCW_HOST = /^(?:[a-z0-9-]+\.)+(?:scw\.cloud|scaleway\.com)$/;

/** Why a SubscribeURL must not be fetched, or undefined: Scaleway's host, this topic, this token. */
export function subscribeUrlProblem(message: SnsMessage): string | undefined {
  let url: URL;
  try {
    url = new URL(message.SubscribeURL ?? '');
  } catch {
    return 'is not a URL';
  }
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
  options: Pick<ScalewayVerifierOptions, 'fetch' | 'logger'>,
): Promise<HttpError | undefined> {
  const problem = subscribeUrlProblem(message);
  if (problem) {
    return forbidden(
      'subscribe-url-invalid',
      `SubscribeURL ${JSON.stringify(message.SubscribeURL)} ${problem}`,
    );
  }
  const result = await timedGet(options.fetch, message.SubscribeURL as string, CONFIRM_TIMEOUT_MS);
  const fields = { esp: 'scaleway', topicArn: message.TopicArn, messageId: message.MessageId };
  if (result.ok && result.status >= 200 && result.status < 300) {
    options.logger.info('Scaleway subscription confirmed', fields);
    return undefined;
  }
  const why = result.ok ? `answered HTTP ${result.status}` : result.problem;
  return unavailable(
    'confirm-failed',
    `confirming the subscription to ${message.TopicArn} failed: ${why}`,
  );
}
