/** The SubscribeURL rule: this topic's ConfirmSubscription on the SNS host that signed the message. */
import { forbidden, type HttpError, isHttpError } from '../../../errors.js';
import type { SnsMessage } from './envelope.js';
import { isUrlProblem, readHttpsUrl } from './https-url.js';
import { checkTopicOnHost, parseSnsHost, type SnsHost } from './sns-host.js';

// Exactly what AWS sends: ?Action=ConfirmSubscription&TopicArn=…&Token=…
const EXPECTED_PARAMS = ['Action', 'TopicArn', 'Token'];

function _queryProblem(query: string | undefined, message: SnsMessage): string | undefined {
  if (query === undefined) return 'has no query';
  const params = new URLSearchParams(query);
  const names = [...params.keys()];
  const unexpected = names.filter((name) => !EXPECTED_PARAMS.includes(name));
  if (unexpected.length > 0) return `has unexpected parameters ${unexpected.join(', ')}`;
  if (names.length !== EXPECTED_PARAMS.length)
    return 'must carry Action, TopicArn and Token once each';
  if (params.get('Action') !== 'ConfirmSubscription') return 'is not Action=ConfirmSubscription';
  if (params.get('TopicArn') !== message.TopicArn)
    return "names another TopicArn than the message's";
  if (params.get('Token') !== message.Token) return "carries another Token than the message's";
  return undefined;
}

function _hostProblem(
  host: string,
  message: SnsMessage,
  signer: SnsHost | undefined,
): string | undefined {
  if (signer)
    return host === signer.host ? undefined : `is not on ${signer.host}, the host that signed it`;
  const snsHost = parseSnsHost(host);
  if (!snsHost) return 'is not on an SNS host (sns.<region>.<suffix>)';
  const mismatch = checkTopicOnHost(message.TopicArn, snsHost);
  return isHttpError(mismatch)
    ? `is not on the SNS host of the topic's region (${mismatch.message})`
    : undefined;
}

/**
 * Checks the SubscribeURL of a SubscriptionConfirmation or UnsubscribeConfirmation.
 * @param signer the SigningCertURL's host when the signature is verified; without it, any SNS
 *   host of the TopicArn's region and partition is accepted.
 */
export function checkSubscribeUrl(message: SnsMessage, signer?: SnsHost): HttpError | undefined {
  const raw = message.SubscribeURL ?? '';
  const parts = readHttpsUrl(raw);
  const problem = isUrlProblem(parts)
    ? parts.detail
    : (_hostProblem(parts.host, message, signer) ??
      // `https://host?Action=…` is the same URL as `https://host/?Action=…`.
      (parts.path.length < 2 && parts.url.pathname === '/'
        ? undefined
        : 'has a path other than /') ??
      _queryProblem(parts.query, message));
  if (problem === undefined) return undefined;
  return forbidden('subscribe-url-invalid', `SubscribeURL ${JSON.stringify(raw)} ${problem}`);
}
