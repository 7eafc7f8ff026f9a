/** Cases on messages signed by AWS itself: each verifies, and one changed character breaks it. */
import type { SnsMessage } from '../../../src/providers/ses/sns/envelope.js';
import { realCertificates, realMessages } from '../../fixtures/sns-real/index.js';
import { serveCertificates } from '../../helpers/signing.js';
import { assertAccepted, assertRefused, group, parseMessage, verifierFor } from './harness.js';

const { cases, add } = group('real AWS messages');

export { cases as realFixtureCases };

/** Serves each real PEM by the last path segment of the URL asked for. */
const realFetch = () =>
  serveCertificates(realCertificates, (url) => url.slice(url.lastIndexOf('/') + 1));

const _verifyAt = (message: SnsMessage) =>
  verifierFor(realFetch(), { now: () => new Date(message.Timestamp) })(message);

function _bump(char: string): string {
  if (/[0-8]/.test(char)) return String(Number(char) + 1);
  if (char === '9') return '0';
  if (/[a-yA-Y]/.test(char)) return String.fromCharCode(char.charCodeAt(0) + 1);
  return char === 'z' ? 'a' : 'x';
}

/** One character changed: the last one, or for Timestamp the last digit before "Z". */
function _changeOne(value: string, field: string): string {
  const at = field === 'Timestamp' ? value.length - 2 : value.length - 1;
  return value.slice(0, at) + _bump(value.charAt(at)) + value.slice(at + 1);
}

/** The same message claiming to be a SubscriptionConfirmation, with a SubscribeURL that passes. */
function _asConfirmation(message: SnsMessage): SnsMessage {
  const host = new URL(message.SigningCertURL ?? '').host;
  const Token = 'abc123';
  const SubscribeURL = `https://${host}/?Action=ConfirmSubscription&TopicArn=${message.TopicArn}&Token=${Token}`;
  return { ...message, Type: 'SubscriptionConfirmation', Token, SubscribeURL };
}

const SIGNED_FIELDS = ['Message', 'Subject', 'Timestamp', 'TopicArn', 'MessageId'] as const;

for (const fixture of realMessages) {
  add(`accepts ${fixture.name} at its own Timestamp`, async () => {
    assertAccepted(await _verifyAt(parseMessage(fixture.json)));
  });
  const message = parseMessage(fixture.json);
  for (const field of SIGNED_FIELDS) {
    const value = message[field];
    if (value === undefined) continue;
    add(`refuses ${fixture.name} with one character of ${field} changed`, async () => {
      const changed = { ...message, [field]: _changeOne(value, field) };
      assertRefused(await _verifyAt(changed), 403, 'signature-invalid');
    });
  }
  add(`refuses ${fixture.name} with Type changed to SubscriptionConfirmation`, async () => {
    assertRefused(await _verifyAt(_asConfirmation(message)), 403, 'signature-invalid');
  });
}

add('refuses a real message whose Timestamp is older than maxAgeSeconds', async () => {
  const message = parseMessage(realMessages[0]?.json ?? '');
  const later = new Date(Date.parse(message.Timestamp) + 3901 * 1000);
  const verify = verifierFor(realFetch(), { now: () => later });
  assertRefused(await verify(message), 403, 'message-too-old');
});
