/** Request-path cost without signature checks: routing, body read, envelope, SES parse, bus. */
import { bench, describe } from 'vitest';
import { createMailWebhookHandler, EventBus, silentLogger } from '../src/index.js';
import click from '../test/fixtures/ses/event-publishing-click.json' with { type: 'json' };
import bounce from '../test/fixtures/ses/notification-bounce-no-dsn.json' with { type: 'json' };
import { envelope, snsRequest } from '../test/helpers/envelope.js';

const handle = createMailWebhookHandler({
  sinks: [new EventBus()],
  logger: silentLogger,
  ses: { verifySignature: false },
});
const clickBody = envelope(click);
const bounceBody = envelope(bounce);

describe('handler, unsigned (parse + route + in-memory bus)', () => {
  bench('Click, 1 recipient', async () => {
    const response = await handle(snsRequest(clickBody));
    if (response.status !== 200) throw new Error(`status ${response.status}`);
  });
  bench('legacy Bounce, 2 recipients', async () => {
    const response = await handle(snsRequest(bounceBody));
    if (response.status !== 200) throw new Error(`status ${response.status}`);
  });
});
