/** Postmark inside workerd: Basic and header credentials, fixtures and the variables path. */
import { describe, expect, test } from 'vitest';
import { createHandlerFromEnv } from '../../src/from-env.js';
import { silentLogger } from '../../src/log.js';
import bounce from '../fixtures/esps/postmark/anymail_bounce_event.json' with { type: 'json' };
import delivery from '../fixtures/esps/postmark/symfony_delivery.json' with { type: 'json' };
import {
  basic,
  postmarkHandler,
  postmarkRequest,
  streamedRequest,
  watchedBody,
} from '../providers/postmark/helpers.js';

const DELIVERY = JSON.stringify(delivery);

describe('Postmark inside workerd', () => {
  test('a hard bounce with Basic credentials becomes one bounced context', async () => {
    const { handle, events } = postmarkHandler();
    const response = await handle(postmarkRequest(JSON.stringify(bounce)));
    expect(response.status).toBe(200);
    expect(events.map((e) => [e.eventType, e.recipient, e.eventId, e.permanent])).toEqual([
      ['bounced', 'bounce@example.com', '901542550', true],
    ]);
    expect(events[0]?.timestamp.toISOString()).toBe('2016-04-27T20:28:50.396Z');
  });

  test('a delivery without an ID gets the postmark: digest of the raw body', async () => {
    const { handle, events } = postmarkHandler();
    expect((await handle(postmarkRequest(DELIVERY))).status).toBe(200);
    const digest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode(DELIVERY)),
    );
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
    expect(events[0]?.eventId).toBe(`postmark:${hex.slice(0, 32)}`);
  });

  test('no credentials: 401 with a Basic challenge, body never read; wrong ones 403', async () => {
    const { handle } = postmarkHandler();
    const { stream, state } = watchedBody(DELIVERY);
    const response = await handle(streamedRequest(stream, {}));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect(state.pulled).toBe(false);
    const wrong = await handle(postmarkRequest(DELIVERY, { authorization: basic('u', 'x') }));
    expect(wrong.status).toBe(403);
  });

  test('a custom header: 401 missing, 403 wrong, 200 right', async () => {
    const { handle } = postmarkHandler({ header: 'X-Webhook-Secret', value: 'hv' });
    const statuses = [];
    const attempts: Record<string, string>[] = [
      {},
      { 'x-webhook-secret': 'no' },
      { 'x-webhook-secret': 'hv' },
    ];
    for (const headers of attempts) {
      statuses.push((await handle(postmarkRequest(DELIVERY, headers))).status);
    }
    expect(statuses).toEqual([401, 403, 200]);
  });

  test('MAIL_WEBHOOK_POSTMARK_PASSWORD and _PREVIOUS from the environment', async () => {
    const handle = createHandlerFromEnv(
      {
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_PROVIDERS: 'postmark',
        MAIL_WEBHOOK_POSTMARK_PASSWORD: 'new',
        MAIL_WEBHOOK_POSTMARK_PASSWORD_PREVIOUS: 'old',
      },
      { logger: silentLogger },
    );
    const statuses = [];
    for (const password of ['new', 'old', 'other']) {
      const request = postmarkRequest(DELIVERY, { authorization: basic('pm', password) });
      statuses.push((await handle(request)).status);
    }
    expect(statuses).toEqual([200, 200, 403]);
  });
});
