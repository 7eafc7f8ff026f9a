/** Whole request path: routing, body read, envelope, verification (warm cache), SES parse, bus. */
import { bench, describe } from 'vitest';
import { createMailWebhookHandler, EventBus, ses } from '../src/index.js';
import { silentLogger } from '../src/log.js';
import click from '../test/fixtures/ses/event-publishing-click.json' with { type: 'json' };
import bounce from '../test/fixtures/ses/notification-bounce-no-dsn.json' with { type: 'json' };
import { envelope, snsRequest } from '../test/helpers/envelope.js';
import { createSigner } from '../test/helpers/signing.js';
import { printMedian } from './median.js';

const unsigned = createMailWebhookHandler({
  sinks: [new EventBus()],
  logger: silentLogger,
  providers: [ses({ verifySignature: false })],
});
const signer = await createSigner();
const signed = createMailWebhookHandler({
  sinks: [new EventBus()],
  logger: silentLogger,
  fetch: signer.fetch,
  providers: [ses({ topicArns: [signer.topicArn] })],
});
const clickBody = envelope(click);
const bounceBody = envelope(bounce);
const signedClick = await signer.sign(signer.notification({ Message: JSON.stringify(click) }), '2');

const expect200 = async (response: Promise<Response>) => {
  const { status } = await response;
  if (status !== 200) throw new Error(`status ${status}`);
};

const cases: [string, () => Promise<void>][] = [
  ['request, unsigned Click', () => expect200(unsigned(snsRequest(clickBody)))],
  [
    'request, unsigned legacy Bounce (2 recipients)',
    () => expect200(unsigned(snsRequest(bounceBody))),
  ],
  [
    'request, signed v2 Click (verified, warm cache)',
    () => expect200(signed(snsRequest(signedClick))),
  ],
];

for (const [label, fn] of cases) await printMedian(label, fn);

describe('handler', () => {
  for (const [label, fn] of cases) bench(label, fn);
});
