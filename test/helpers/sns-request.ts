/** Signed SNS Notifications carrying one SES Send event, as the headers and body SNS would POST. */
import send from '../fixtures/ses/event-publishing-send.json' with { type: 'json' };
import { snsHeaders } from './envelope.js';
import { randomHex, type Signer, type SnsBody } from './signing.js';

export interface SnsPost {
  readonly headers: Record<string, string>;
  readonly body: string;
  /** The one recipient of the SES event inside, unique per call. */
  readonly recipient: string;
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
