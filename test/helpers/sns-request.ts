/** Signed SNS Notifications carrying one SES Send event, as the headers and body SNS would POST. */
import send from '../fixtures/ses/event-publishing-send.json' with { type: 'json' };
import { randomHex, type Signer, type SnsBody } from './signing.js';

export interface SnsPost {
  readonly headers: Record<string, string>;
  readonly body: string;
  /** The one recipient of the SES event inside, unique per call. */
  readonly recipient: string;
}

/** The headers SNS adds to every HTTP delivery. */
export function snsHeaders(message: SnsBody): Record<string, string> {
  return {
    'content-type': 'text/plain; charset=UTF-8',
    'x-amz-sns-message-type': message.Type ?? '',
    'x-amz-sns-message-id': message.MessageId ?? '',
    'x-amz-sns-topic-arn': message.TopicArn ?? '',
  };
}

/** A Notification signed by `signer` whose Message is an SES Send event to a fresh recipient. */
export async function signedSesPost(signer: Signer): Promise<SnsPost> {
  const recipient = `runtime-${randomHex(6)}@example.com`;
  const event = { ...send, mail: { ...send.mail, destination: [recipient] } };
  const message = await signer.sign(signer.notification({ Message: JSON.stringify(event) }));
  return { headers: snsHeaders(message), body: JSON.stringify(message), recipient };
}

/** The same post with its Message altered after signing, as a forger would. */
export function forged(post: SnsPost): SnsPost {
  const message = JSON.parse(post.body) as SnsBody;
  const tampered = { ...message, Message: (message.Message ?? '').replace('runtime-', 'forged-') };
  return { ...post, body: JSON.stringify(tampered) };
}
