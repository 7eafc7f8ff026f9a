/**
 * `node --cpu-prof` target: the `mailhooks/node` handler on a signed 1-recipient SES Delivery, warm
 * cache. Bundle and run: see README "Performance".
 */
import { createMailWebhookHandler } from '../src/adapters/node.js';
import { EventBus, ses } from '../src/index.js';
import { createJsonLogger } from '../src/log.js';
import deliveryEvent from '../test/fixtures/ses/event-publishing-delivery.json' with {
  type: 'json',
};
import { snsHeaders } from '../test/helpers/envelope.js';
import { createSigner } from '../test/helpers/signing.js';

const signer = await createSigner();
const message = await signer.sign(
  signer.notification({ Message: JSON.stringify(deliveryEvent) }),
  '1',
);
const handler = createMailWebhookHandler({
  sinks: [new EventBus()],
  logger: createJsonLogger(() => {}),
  fetch: signer.fetch,
  providers: [ses({ topicArns: [signer.topicArn] })],
});
const body = JSON.stringify(message);
const headers = snsHeaders(message);
const runs = Number(process.env.RUNS ?? 20_000);
const start = performance.now();
for (let i = 0; i < runs; i++) {
  const response = await handler(
    new Request('http://localhost/webhooks/mail/ses', { method: 'POST', headers, body }),
  );
  if (response.status !== 200) throw new Error(`status ${response.status}`);
  await response.arrayBuffer();
}
console.log(`${(((performance.now() - start) / runs) * 1000).toFixed(1)} µs per request (mean)`);
