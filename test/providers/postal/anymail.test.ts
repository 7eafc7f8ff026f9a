/**
 * django-anymail's Postal tracking cases (tests/test_postal_webhooks.py, PostalDeliveryTestCase),
 * signed and sent through the handler, with every field anymail asserts: the payloads are the
 * anymail_*.json fixtures, extracted from that file.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { EmailTrackingContext } from '../../../src/index.js';
import { answer, postalRequest, setup } from './helpers.js';

const DIR = new URL('../../fixtures/esps/postal/', import.meta.url);
const read = (name: string) => readFileSync(new URL(`${name}.json`, DIR), 'utf8');

/** anymail: `datetime.fromtimestamp(int(timestamp))`, whole seconds. */
const ANYMAIL_TIME = new Date(1606753101 * 1000).toISOString();

async function post(name: string) {
  const body = read(name);
  const { handle, events } = await setup();
  // anymail's ClientWithPostalSignature signs X-Postal-Signature (SHA-1) only.
  const result = await answer(await handle(await postalRequest(body, { headers: ['SHA-1'] })));
  return { result, events, raw: JSON.parse(body) };
}

const fields = (event: EmailTrackingContext | undefined) => ({
  ...event,
  timestamp: event?.timestamp.toISOString(),
});

describe("anymail's Postal tracking cases", () => {
  test('test_bounce_event: bounced, message id is payload.original_message.id', async () => {
    const { result, events, raw } = await post('anymail_bounce_event');
    expect(result).toEqual({ status: 200, body: { ok: true, events: 1 } });
    expect(fields(events[0])).toMatchObject({
      eventType: 'bounced',
      rawEvent: raw,
      timestamp: ANYMAIL_TIME,
      messageId: '233843',
      eventId: '0fcc831f-92b9-4e2b-97f2-d873abc77fab',
      recipient: 'bounce@example.com',
      rejectCategory: 'bounced',
      description: 'details',
      mtaResponse: 'server output',
    });
  });

  test('test_deferred_event: deferred, no reject category', async () => {
    const { events, raw } = await post('anymail_deferred_event');
    expect(fields(events[0])).toMatchObject({
      eventType: 'deferred',
      rawEvent: raw,
      timestamp: ANYMAIL_TIME,
      messageId: '1564',
      eventId: '0fcc831f-92b9-4e2b-97f2-d873abc77fab',
      recipient: 'deferred@example.com',
      rejectCategory: null,
      description: 'details',
      mtaResponse: 'server output',
    });
  });

  test('test_queued_event: Held is queued', async () => {
    const { events, raw } = await post('anymail_queued_event');
    expect(fields(events[0])).toMatchObject({
      eventType: 'queued',
      rawEvent: raw,
      timestamp: ANYMAIL_TIME,
      messageId: '1568',
      eventId: '9be13015-2e54-456c-bf66-eacbe33da824',
      recipient: 'suppressed@example.com',
      rejectCategory: null,
      description: 'Recipient (suppressed@example.com) is on the suppression list',
      mtaResponse: 'server output',
    });
  });

  // anymail leaves reject_reason None here; DESIGN gives every failed event a category (`other`).
  test('test_failed_event: HardFail is failed', async () => {
    const { events, raw } = await post('anymail_failed_event');
    expect(fields(events[0])).toMatchObject({
      eventType: 'failed',
      rawEvent: raw,
      timestamp: ANYMAIL_TIME,
      messageId: '1571',
      eventId: '5fec5077-dae7-4989-94d5-e1963f3e9181',
      recipient: 'failed@example.com',
      rejectCategory: 'other',
      description: 'Could not deliver',
      mtaResponse: 'server output',
    });
  });

  // anymail's metadata is None; ours is always an object.
  test('test_delivered_event: Sent is delivered, the tag is the one tag', async () => {
    const { events, raw } = await post('anymail_delivered_event');
    expect(fields(events[0])).toMatchObject({
      eventType: 'delivered',
      rawEvent: raw,
      timestamp: ANYMAIL_TIME,
      messageId: '1563',
      recipient: 'recipient@example.com',
      tags: ['welcome-email'],
      metadata: {},
    });
  });

  // anymail raises a configuration error for any body with `rcpt_to` (an HTTP endpoint's inbound
  // mail); DESIGN: inbound mail gives no event, so 200 with none, and a warning to fix the route.
  test('test_misconfigured_inbound: { rcpt_to } alone is inbound mail: 200, no events, a warning', async () => {
    const { handle, events, lines } = await setup();
    const body = JSON.stringify({ rcpt_to: 'to@example.org' });
    const result = await answer(await handle(await postalRequest(body, { headers: ['SHA-1'] })));
    expect(result).toEqual({ status: 200, body: { ok: true, events: 0 } });
    expect(events).toEqual([]);
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.fields.note)).toEqual([
      'inbound mail (a Postal HTTP endpoint)',
    ]);
  });

  test('test_ignore_incoming_events: 200, no events', async () => {
    const { result, events } = await post('anymail_ignore_incoming_events');
    expect(result).toEqual({ status: 200, body: { ok: true, events: 0 } });
    expect(events).toEqual([]);
  });

  // anymail answers 400; DESIGN: a bad signature is 403 (an empty header: signature-missing).
  test('test_failed_signature_check: 403 for base64 garbage, garbage, and an empty header', async () => {
    const { handle, events } = await setup();
    const body = JSON.stringify({ some: 'data' });
    for (const signature of [btoa('invalid'), 'garbage', '']) {
      const request = await postalRequest(body, {
        headers: [],
        extra: { 'x-postal-signature': signature },
      });
      expect((await handle(request)).status).toBe(403);
    }
    expect(events).toEqual([]);
  });

  // anymail posts { some: 'data' } only with bad signatures; signed, it names no event: as DESIGN
  // has an SES message with no event type, not a tracking event (200, a warning), not a 400.
  test('a signed body with no event at all is 200 with no events and a warning', async () => {
    const { handle, events, lines } = await setup();
    const request = await postalRequest(JSON.stringify({ some: 'data' }), { headers: ['SHA-1'] });
    expect(await answer(await handle(request))).toEqual({
      status: 200,
      body: { ok: true, events: 0 },
    });
    expect(events).toEqual([]);
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.fields.note)).toEqual([
      'no "event": not a Postal event',
    ]);
  });
});
