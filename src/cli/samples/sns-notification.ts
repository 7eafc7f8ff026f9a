/** An unsigned SNS Notification (SNS and Scaleway Topics and Events): for a server that does not verify. */
import { uuid } from './ids.js';
import type { SignedRequest } from './types.js';

/** Where the envelope says it comes from: its topic and the URLs an SNS-style sender adds. */
export interface SnsOrigin {
  readonly topicArn: string;
  readonly signingCertUrl: string;
  /** Before `:<subscription uuid>`. */
  readonly unsubscribeUrl: string;
}

/**
 * `payload` in a Notification envelope with the headers of a real delivery (and `headers`
 * besides). The sender signs with a key no one else holds, so the signature is left out.
 */
export function unsignedNotification(
  payload: unknown,
  now: Date,
  origin: SnsOrigin,
  headers: Record<string, string> = {},
): SignedRequest {
  const envelope = {
    Type: 'Notification',
    MessageId: uuid(),
    TopicArn: origin.topicArn,
    Message: JSON.stringify(payload),
    Timestamp: now.toISOString(),
    SignatureVersion: '1',
    Signature: 'unsigned',
    SigningCertURL: origin.signingCertUrl,
    UnsubscribeURL: `${origin.unsubscribeUrl}:${uuid()}`,
  };
  return {
    headers: {
      'content-type': 'text/plain; charset=UTF-8',
      'x-amz-sns-message-type': envelope.Type,
      'x-amz-sns-message-id': envelope.MessageId,
      'x-amz-sns-topic-arn': origin.topicArn,
      ...headers,
    },
    body: JSON.stringify(envelope),
  };
}
