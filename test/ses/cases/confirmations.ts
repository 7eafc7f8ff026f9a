/** Cases for Subscription/UnsubscribeConfirmation: the SubscribeURL rule and confirmSubscription. */

import type { LogFields, Logger } from '../../../src/log.js';
import { silentLogger } from '../../../src/log.js';
import { confirmSubscription } from '../../../src/providers/ses/sns/verify.js';
import { createSigner, type SnsBody, serveCertificates } from '../../helpers/signing.js';
import {
  assertAccepted,
  assertEqual,
  assertRefused,
  group,
  parseMessage,
  verifyOnce,
} from './harness.js';

const { cases, add } = group('confirmations');

export { cases as confirmationCases };

for (const version of ['1', '2'] as const) {
  add(`accepts a v${version} SubscriptionConfirmation`, async () => {
    const signer = await createSigner();
    const body = await signer.sign(signer.subscriptionConfirmation(), version);
    assertAccepted(await verifyOnce(signer.fetch, body));
  });
  add(`accepts a v${version} UnsubscribeConfirmation`, async () => {
    const signer = await createSigner();
    const body = await signer.sign(signer.unsubscribeConfirmation(), version);
    assertAccepted(await verifyOnce(signer.fetch, body));
  });
}

const TOKEN = 'a'.repeat(64);
const ARN = 'arn:aws:sns:us-east-1:123456789012:mailhooks-test';
const GOOD = `/?Action=ConfirmSubscription&TopicArn=${ARN}&Token=${TOKEN}`;

const BAD_SUBSCRIBE_URLS: readonly (readonly [string, string])[] = [
  ['on another host', `https://example.com${GOOD}`],
  ['on another SNS host', `https://sns.us-west-2.amazonaws.com${GOOD}`],
  ['over http', `http://sns.us-east-1.amazonaws.com${GOOD}`],
  [
    'with another Action',
    `https://sns.us-east-1.amazonaws.com${GOOD.replace('ConfirmSubscription', 'Unsubscribe')}`,
  ],
  [
    'with another TopicArn',
    `https://sns.us-east-1.amazonaws.com${GOOD.replace('mailhooks-test', 'other')}`,
  ],
  [
    'with another Token',
    `https://sns.us-east-1.amazonaws.com${GOOD.replace(TOKEN, 'b'.repeat(64))}`,
  ],
  ['with an extra parameter', `https://sns.us-east-1.amazonaws.com${GOOD}&Endpoint=x`],
  [
    'with a repeated Action',
    `https://sns.us-east-1.amazonaws.com${GOOD}&Action=ConfirmSubscription`,
  ],
  ['without a query', 'https://sns.us-east-1.amazonaws.com/'],
  ['with a path', `https://sns.us-east-1.amazonaws.com/x${GOOD}`],
  ['with a port', `https://sns.us-east-1.amazonaws.com:443${GOOD}`],
  ['with credentials', `https://u:p@sns.us-east-1.amazonaws.com${GOOD}`],
  ['with a fragment', `https://sns.us-east-1.amazonaws.com${GOOD}#x`],
];

for (const [what, url] of BAD_SUBSCRIBE_URLS) {
  add(`refuses a signed SubscribeURL ${what}`, async () => {
    const signer = await createSigner();
    const body = await signer.sign(
      signer.subscriptionConfirmation({ Token: TOKEN, SubscribeURL: url }),
    );
    assertRefused(await verifyOnce(signer.fetch, body), 403, 'subscribe-url-invalid');
    assertEqual(signer.fetch.calls.length, 0, 'certificate downloads');
  });
}

add('refuses an UnsubscribeConfirmation whose SubscribeURL is on another host', async () => {
  const signer = await createSigner();
  const body = await signer.sign(
    signer.unsubscribeConfirmation({ Token: TOKEN, SubscribeURL: `https://example.com${GOOD}` }),
  );
  assertRefused(await verifyOnce(signer.fetch, body), 403, 'subscribe-url-invalid');
});

add(
  'without signature checks, accepts a SubscribeURL on the SNS host of the topic region',
  async () => {
    const signer = await createSigner();
    assertAccepted(
      await verifyOnce(signer.fetch, signer.subscriptionConfirmation(), { verifySignature: false }),
    );
  },
);

add('without signature checks, refuses a SubscribeURL on another region or host', async () => {
  const signer = await createSigner();
  for (const host of [
    'sns.us-west-2.amazonaws.com',
    'sns.us-east-1.amazonaws.com.cn',
    'example.com',
  ]) {
    const body = signer.subscriptionConfirmation({
      Token: TOKEN,
      SubscribeURL: `https://${host}${GOOD}`,
    });
    assertRefused(
      await verifyOnce(signer.fetch, body, { verifySignature: false }),
      403,
      'subscribe-url-invalid',
    );
  }
});

/** A logger that keeps info lines. */
function _recordingLogger(): Logger & { infos: [string, LogFields | undefined][] } {
  const infos: [string, LogFields | undefined][] = [];
  return { ...silentLogger, infos, info: (message, fields) => infos.push([message, fields]) };
}

async function _confirmation(): Promise<SnsBody> {
  const signer = await createSigner();
  return signer.subscriptionConfirmation();
}

add(
  'confirmSubscription GETs the SubscribeURL, leaving the one log line to the handler',
  async () => {
    const body = await _confirmation();
    const fetchStub = serveCertificates({
      [body.SubscribeURL as string]: '<ConfirmSubscriptionResponse/>',
    });
    const logger = _recordingLogger();
    assertAccepted(await confirmSubscription(parseMessage(body), { fetch: fetchStub, logger }));
    assertEqual(fetchStub.calls[0], body.SubscribeURL, 'URL fetched');
    assertEqual(logger.infos.length, 0, 'info lines');
  },
);

add('confirmSubscription takes a 204 with no body as confirmed', async () => {
  const body = await _confirmation();
  const noBody = (async () => new Response(null, { status: 204 })) as typeof fetch;
  assertAccepted(
    await confirmSubscription(parseMessage(body), { fetch: noBody, logger: silentLogger }),
  );
});

add('confirmSubscription answers 503 when SNS answers an error', async () => {
  const body = await _confirmation();
  const fetchStub = serveCertificates({});
  fetchStub.outage = 500;
  const result = await confirmSubscription(parseMessage(body), {
    fetch: fetchStub,
    logger: silentLogger,
  });
  assertRefused(result, 503, 'confirm-failed');
});

add('confirmSubscription answers 503 on a network error', async () => {
  const body = await _confirmation();
  const fetchStub = serveCertificates({});
  fetchStub.outage = 'network';
  const result = await confirmSubscription(parseMessage(body), {
    fetch: fetchStub,
    logger: silentLogger,
  });
  assertRefused(result, 503, 'confirm-failed');
});

add('confirmSubscription never fetches a SubscribeURL off the SNS host', async () => {
  const body = { ...(await _confirmation()), SubscribeURL: `https://example.com${GOOD}` };
  const fetchStub = serveCertificates({});
  const result = await confirmSubscription(parseMessage(body), {
    fetch: fetchStub,
    logger: silentLogger,
  });
  assertRefused(result, 403, 'subscribe-url-invalid');
  assertEqual(fetchStub.calls.length, 0, 'fetches');
});
