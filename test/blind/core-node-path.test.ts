// Blind: mailhooks/node's createMailWebhookHandler (node:crypto fast path) answers as the root one.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMailWebhookHandler } from '../../src/adapters/node.js';
import { ses } from '../../src/index.js';
import {
  captureLogger,
  certFetch,
  collector,
  EVIL_KEY,
  envelope,
  FIXTURES,
  ses as fixture,
  NOW,
  post,
  SNS_REAL_DIRS,
  TOPIC,
} from './core-helpers.js';

describe('mailhooks/node createMailWebhookHandler', () => {
  for (const d of SNS_REAL_DIRS) {
    for (const f of readdirSync(`${FIXTURES}/sns-real/${d}`).filter((x) => x.endsWith('.json'))) {
      it(`verifies the real ${d}/${f} and refuses it with Message changed`, async () => {
        const msg = JSON.parse(readFileSync(`${FIXTURES}/sns-real/${d}/${f}`, 'utf8'));
        const url = (msg.SigningCertURL ?? msg.SigningCertUrl) as string;
        const pem = readFileSync(`${FIXTURES}/sns-real/${d}/${url.split('/').pop()}`, 'utf8');
        const at = new Date(Date.parse(msg.Timestamp) + 1000);
        const { bus } = collector();
        const h = createMailWebhookHandler({
          sinks: [bus],
          providers: [ses({ topicArns: [msg.TopicArn] })],
          fetch: certFetch({ [url]: pem }).fetch,
          now: () => at,
          logger: captureLogger().logger,
        });
        expect((await h(post(msg))).status).toBe(200);
        expect((await h(post({ ...msg, Message: `${msg.Message}.` }))).status).toBe(403);
      });
    }
  }

  it('v1 and v2 test-signed SES events deliver; another key is refused', async () => {
    for (const version of ['1', '2']) {
      const { bus, events } = collector();
      const h = createMailWebhookHandler({
        sinks: [bus],
        providers: [ses({ topicArns: [TOPIC] })],
        fetch: certFetch().fetch,
        now: () => NOW,
        logger: captureLogger().logger,
      });
      const env = envelope(fixture('event-publishing-bounce'), {}, { version });
      const res = await h(post(env));
      expect(await res.json()).toEqual({ ok: true, events: 1 });
      expect(events[0]?.eventId).toBe(env.MessageId);
      const forged = await h(
        post(envelope(fixture('event-publishing-bounce'), {}, { version, key: EVIL_KEY })),
      );
      expect(forged.status).toBe(403);
      expect((await forged.json()).error).toBe('signature-invalid');
    }
  });
});
