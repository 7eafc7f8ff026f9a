import { describe, expect, it } from 'vitest';
import type { SnsMessage } from '../../src/providers/ses/sns/envelope.js';
import { parseSnsHost } from '../../src/providers/ses/sns/sns-host.js';
import { checkSubscribeUrl } from '../../src/providers/ses/sns/subscribe-url.js';

const TOPIC = 'arn:aws:sns:us-west-2:123456789012:MyTopic';
const TOKEN = '2336412f37fb687f5d51e6e2425c464de12884c7d6d0b4ab7cab8c67e0c6de9a';
// The shape AWS documents for a SubscriptionConfirmation.
const AWS_URL = `https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=${TOKEN}`;
const SIGNER = parseSnsHost('sns.us-west-2.amazonaws.com');

const confirmation = (SubscribeURL: string): SnsMessage => ({
  Type: 'SubscriptionConfirmation',
  MessageId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
  TopicArn: TOPIC,
  Message: 'You have chosen to subscribe to the topic.',
  Timestamp: '2012-04-26T20:45:04.751Z',
  Token: TOKEN,
  SubscribeURL,
});

describe('SubscribeURL', () => {
  it("accepts AWS's own URL, signed or not", () => {
    expect(checkSubscribeUrl(confirmation(AWS_URL), SIGNER)).toBeUndefined();
    expect(checkSubscribeUrl(confirmation(AWS_URL))).toBeUndefined();
  });

  it('accepts the parameters in another order or percent-encoded', () => {
    const url = `https://sns.us-west-2.amazonaws.com/?Token=${TOKEN}&TopicArn=${encodeURIComponent(TOPIC)}&Action=ConfirmSubscription`;
    expect(checkSubscribeUrl(confirmation(url), SIGNER)).toBeUndefined();
  });

  it.each([
    ['another host than the signer', AWS_URL.replace('us-west-2.amazonaws', 'us-east-1.amazonaws')],
    ['a look-alike host', AWS_URL.replace('amazonaws.com', 'amazonaws.com.evil.com')],
    ['an upper-case scheme', AWS_URL.replace('https', 'HTTPS')],
    ['a backslash', AWS_URL.replace('.com/', '.com\\')],
    ['an empty Token', AWS_URL.replace(TOKEN, '')],
    ['Action spelled differently', AWS_URL.replace('Action=', 'action=')],
    ['an Endpoint parameter', `${AWS_URL}&Endpoint=https://evil.example`],
  ])('refuses %s', (_what, url) => {
    const result = checkSubscribeUrl(confirmation(url), SIGNER);
    expect(result?.status).toBe(403);
    expect(result?.reason).toBe('subscribe-url-invalid');
  });

  it('says what is wrong in the message', () => {
    const url = AWS_URL.replace('ConfirmSubscription', 'Unsubscribe');
    expect(checkSubscribeUrl(confirmation(url), SIGNER)?.message).toContain(
      'is not Action=ConfirmSubscription',
    );
  });

  it.each([
    [
      'an unexpected parameter',
      `${AWS_URL}&Endpoint=https://evil.example`,
      'has unexpected parameters Endpoint',
    ],
    ['no query', 'https://sns.us-west-2.amazonaws.com/', 'has no query'],
    ['Token twice', `${AWS_URL}&Token=${TOKEN}`, 'must carry Action, TopicArn and Token once each'],
  ])('names %s in the message', (_what, url, problem) => {
    expect(checkSubscribeUrl(confirmation(url), SIGNER)?.message).toBe(
      `SubscribeURL ${JSON.stringify(url)} ${problem}`,
    );
  });

  it('refuses a missing SubscribeURL', () => {
    const { SubscribeURL: _, ...message } = confirmation(AWS_URL);
    expect(checkSubscribeUrl(message)?.reason).toBe('subscribe-url-invalid');
  });
});
