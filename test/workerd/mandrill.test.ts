/** Mandrill verification, the HEAD probe and batch parsing inside workerd (the Cloudflare Workers runtime). */
import { describe, expect, test } from 'vitest';
import batch from '../fixtures/esps/mandrill/symfony_batch.json' with { type: 'json' };
import {
  answer,
  mandrillRequest,
  OTHER_KEY,
  PUBLIC_URL,
  setup,
  sign,
  URL_LOCAL,
} from '../providers/mandrill/helpers.js';

const EVENTS = batch.mandrill_events;

describe('mandrill inside workerd', () => {
  test('a signed batch verifies and gives one event per element', async () => {
    const { handle, events } = setup();
    const result = await answer(await handle(await mandrillRequest(EVENTS)));
    expect(result).toEqual({ status: 200, body: { ok: true, events: 2 } });
    expect(events.map((e) => [e.eventType, e.messageId, e.recipient])).toEqual([
      ['clicked', '7761630', 'foo@example.com'],
      ['deferred', '7761631', 'foo@example.com'],
    ]);
    expect(events[0]?.eventId).toMatch(/^mandrill:[0-9a-f]{32}$/);
  });

  test('HEAD probe and empty ping are 200 with no events', async () => {
    const { handle, events } = setup();
    expect((await handle(new Request(URL_LOCAL, { method: 'HEAD' }))).status).toBe(200);
    expect((await answer(await handle(await mandrillRequest([])))).body).toEqual({
      ok: true,
      events: 0,
    });
    expect(events).toEqual([]);
  });

  test('missing signature, another key and another URL are 403', async () => {
    const { handle, events } = setup();
    const missing = await answer(await handle(await mandrillRequest(EVENTS, { signature: null })));
    expect([missing.status, (missing.body as { error: string }).error]).toEqual([
      403,
      'signature-missing',
    ]);
    expect((await handle(await mandrillRequest(EVENTS, { key: OTHER_KEY }))).status).toBe(403);
    expect((await handle(await mandrillRequest(EVENTS, { url: URL_LOCAL }))).status).toBe(403);
    expect(events).toEqual([]);
  });

  test('the same signed form as multipart/form-data verifies too', async () => {
    const { handle, events } = setup();
    const text = JSON.stringify(EVENTS);
    const form = new FormData();
    form.set('mandrill_events', text);
    const request = new Request(URL_LOCAL, {
      method: 'POST',
      body: form,
      headers: { 'x-mandrill-signature': await sign(PUBLIC_URL, text) },
    });
    expect(await answer(await handle(request))).toEqual({
      status: 200,
      body: { ok: true, events: 2 },
    });
    expect(events.map((e) => e.eventType)).toEqual(['clicked', 'deferred']);
  });
});
