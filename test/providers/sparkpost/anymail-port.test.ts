/**
 * django-anymail's SparkPost tracking tests (tests/test_sparkpost_webhooks.py,
 * SparkPostDeliveryTestCase and the basic-auth security cases) ported: each batch as anymail posts
 * it (HTTP Basic `username:password`), and every field anymail asserts. Where DESIGN differs from
 * anymail it wins, and the case says so: `rawEvent` is the inner event object (`msys.<class>`),
 * not the batch element.
 */
import { describe, expect, test } from 'vitest';
import { type EmailTrackingContext, sparkpost } from '../../../src/index.js';
import { basic, harness } from '../../helpers/provider-harness.js';

const AUTH = { authorization: basic('username', 'password') };
const MAC_AGENT = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_3) AppleWebKit/537.36';

const fields = (event: EmailTrackingContext | undefined) =>
  event && { ...event, timestamp: event.timestamp.toISOString() };

async function post(raw: unknown[]) {
  const { post: send, events } = harness(sparkpost({ username: 'username', password: 'password' }));
  const answer = await send(JSON.stringify(raw), AUTH);
  return { answer, events, event: fields(events[0]) };
}

/** `[{ msys: { <cls>: event } }]`, and the inner event DESIGN makes the rawEvent. */
const batch = (cls: string, event: Record<string, unknown>) => ({
  raw: [{ msys: { [cls]: event } }],
  inner: event,
});

describe("anymail's SparkPost tracking cases", () => {
  test('test_ping_event: [{ msys: {} }] is 200 with no events', async () => {
    const { answer, events } = await post([{ msys: {} }]);
    expect(answer).toEqual({ status: 200, body: { ok: true, events: 0 } });
    expect(events).toEqual([]);
  });

  test('test_injection_event: queued; transmission_id, event_id, campaign tag, rcpt_meta', async () => {
    const { raw, inner } = batch('message_event', {
      type: 'injection',
      campaign_id: 'Example Campaign Name',
      customer_id: '1',
      event_id: '92356927693813856',
      friendly_from: 'sender@example.com',
      ip_pool: 'Example-Ip-Pool',
      message_id: '000443ee14578172be22',
      msg_from: 'sender@example.com',
      msg_size: '1337',
      rcpt_meta: { customKey: 'customValue' },
      rcpt_tags: ['male', 'US'],
      rcpt_to: 'recipient@example.com',
      raw_rcpt_to: 'recipient@example.com',
      rcpt_type: 'cc',
      routing_domain: 'example.com',
      sending_ip: '127.0.0.1',
      sms_coding: 'ASCII',
      sms_dst: '7876712656',
      sms_dst_npi: 'E164',
      sms_dst_ton: 'International',
      sms_segments: 5,
      sms_src: '1234',
      sms_src_npi: 'E164',
      sms_src_ton: 'Unknown',
      sms_text: 'lol',
      subaccount_id: '101',
      subject: 'Summer deals are here!',
      template_id: 'templ-1234',
      template_version: '1',
      timestamp: '1454442600',
      transmission_id: '65832150921904138',
    });
    const { answer, events, event } = await post(raw);
    expect(answer).toEqual({ status: 200, body: { ok: true, events: 1 } });
    expect(events).toHaveLength(1);
    expect(event).toMatchObject({
      eventType: 'queued',
      espName: 'sparkpost',
      timestamp: '2016-02-02T19:50:00.000Z',
      rawEvent: inner,
      messageId: '65832150921904138',
      eventId: '92356927693813856',
      recipient: 'recipient@example.com',
      tags: ['Example Campaign Name'],
      metadata: { customKey: 'customValue' },
    });
  });

  test('test_delivery_event: delivered, raw_rcpt_to keeps its case, no tags or metadata', async () => {
    const { event } = await post(
      batch('message_event', {
        type: 'delivery',
        event_id: '92356927693813856',
        rcpt_to: 'recipient@example.com',
        raw_rcpt_to: 'Recipient@example.com',
        rcpt_meta: {},
        timestamp: '1454442600',
        transmission_id: '65832150921904138',
      }).raw,
    );
    expect(event).toMatchObject({
      eventType: 'delivered',
      recipient: 'Recipient@example.com',
      tags: [],
      metadata: {},
    });
  });

  test('test_bounce_event: bounced, class 10 is invalid, raw_reason as mtaResponse', async () => {
    const inner = {
      type: 'bounce',
      bounce_class: '10',
      customer_id: '00000',
      error_code: '550',
      event_id: '84345317653491230',
      message_id: '0004e3724f57753a3561',
      raw_rcpt_to: 'bounce@example.com',
      raw_reason: '550 5.1.1 <bounce@example.com>: Recipient address rejected: User unknown',
      rcpt_to: 'bounce@example.com',
      reason: '550 5.1.1 ...@... Recipient address rejected: ...',
      timestamp: '1464824548',
      transmission_id: '84345317650824116',
    };
    const { event } = await post([{ msys: { message_event: inner }, cust: { id: '00000' } }]);
    expect(event).toMatchObject({
      eventType: 'bounced',
      rawEvent: inner,
      messageId: '84345317650824116',
      eventId: '84345317653491230',
      recipient: 'bounce@example.com',
      rejectCategory: 'invalid',
      permanent: true,
      mtaResponse: '550 5.1.1 <bounce@example.com>: Recipient address rejected: User unknown',
    });
  });

  test('test_delay_event: deferred, raw_reason as mtaResponse', async () => {
    const { raw, inner } = batch('message_event', {
      type: 'delay',
      bounce_class: '21',
      error_code: '454',
      event_id: '84345317653675522',
      message_id: '0004e3724f57753a3861',
      num_retries: '1',
      queue_time: '1200161',
      raw_rcpt_to: 'recipient@nomx.example.com',
      raw_reason: '454 4.4.4 [internal] no MX or A for domain',
      rcpt_to: 'recipient@nomx.example.com',
      reason: '454 4.4.4 [internal] no MX or A for domain',
      timestamp: '1464825748',
      transmission_id: '84345317650824116',
    });
    const { event } = await post(raw);
    expect(event).toMatchObject({
      eventType: 'deferred',
      rawEvent: inner,
      recipient: 'recipient@nomx.example.com',
      mtaResponse: '454 4.4.4 [internal] no MX or A for domain',
      rejectCategory: null,
    });
  });

  test('test_unsubscribe_event: list_unsubscribe is unsubscribed', async () => {
    const { event } = await post(
      batch('unsubscribe_event', {
        type: 'list_unsubscribe',
        event_id: '66331590532986193',
        message_id: '0004278150574660124d',
        raw_rcpt_to: 'recipient@example.com',
        rcpt_to: 'recipient@example.com',
        timestamp: '1464894280',
        transmission_id: '84345993965073285',
      }).raw,
    );
    expect(event).toMatchObject({
      eventType: 'unsubscribed',
      recipient: 'recipient@example.com',
      rejectCategory: 'unsubscribed',
    });
  });

  test('test_generation_rejection_event: rejected, raw_reason as mtaResponse', async () => {
    const reason = '554 5.7.1 recipient address suppressed due to customer policy';
    const { event } = await post(
      batch('gen_event', {
        type: 'generation_rejection',
        error_code: '554',
        event_id: '102360394390563734',
        message_id: '0005c29950577c61695d',
        raw_rcpt_to: 'suppressed@example.com',
        raw_reason: reason,
        rcpt_to: 'suppressed@example.com',
        reason,
        timestamp: '1464900034',
        transmission_id: '102360394387646691',
      }).raw,
    );
    expect(event).toMatchObject({
      eventType: 'rejected',
      recipient: 'suppressed@example.com',
      mtaResponse: reason,
    });
  });

  test('test_generation_failure_event: failed, an ISO 8601 timestamp', async () => {
    const reason = '554 5.3.3 [internal] Error while rendering part html: ...';
    const { event } = await post(
      batch('message_event', {
        type: 'generation_failure',
        error_code: '554',
        event_id: '139013368081587254',
        raw_rcpt_to: 'recipient@example.com',
        raw_reason: reason,
        rcpt_subs: { name: 'Alice', order_no: '12345' },
        rcpt_to: 'recipient@example.com',
        reason,
        tdate: '2018-10-11T23:24:45.000Z',
        template_id: 'test-template',
        template_version: '3',
        transmission_id: '139013368081177607',
        timestamp: '2018-10-11T23:24:45.000+00:00',
      }).raw,
    );
    expect(event).toMatchObject({
      eventType: 'failed',
      recipient: 'recipient@example.com',
      mtaResponse: reason,
      timestamp: '2018-10-11T23:24:45.000Z',
      rejectCategory: 'other',
    });
  });

  // anymail: autoresponded with reject_reason "other"; DESIGN: autoresponded is unknown, and an
  // unknown event has no category.
  test('test_bounce_challenge_response: class 60 is unknown (DESIGN), category null', async () => {
    const { event } = await post(
      batch('message_event', {
        type: 'bounce',
        bounce_class: '60',
        raw_rcpt_to: 'vacationing@example.com',
        rcpt_to: 'vacationing@example.com',
      }).raw,
    );
    expect(event).toMatchObject({
      eventType: 'unknown',
      recipient: 'vacationing@example.com',
      rejectCategory: null,
      permanent: null,
    });
  });

  test('test_open_event: opened, user_agent', async () => {
    const { event } = await post(
      batch('track_event', {
        type: 'open',
        raw_rcpt_to: 'recipient@example.com',
        user_agent: MAC_AGENT,
      }).raw,
    );
    expect(event).toMatchObject({ eventType: 'opened', userAgent: MAC_AGENT });
  });

  test('test_initial_open_event_as_unknown: initial_open is unknown, the raw type kept', async () => {
    const { raw, inner } = batch('track_event', {
      type: 'initial_open',
      raw_rcpt_to: 'recipient@example.com',
      user_agent: MAC_AGENT,
    });
    const { event } = await post(raw);
    expect(event).toMatchObject({ eventType: 'unknown', userAgent: MAC_AGENT, rawEvent: inner });
    expect(event?.rawEvent.type).toBe('initial_open');
  });

  test('test_click_event: amp_click is clicked, target_link_url as clickUrl', async () => {
    const { event } = await post(
      batch('track_event', {
        type: 'amp_click',
        raw_rcpt_to: 'recipient@example.com',
        target_link_name: 'Example Link Name',
        target_link_url: 'http://example.com',
        user_agent: MAC_AGENT,
      }).raw,
    );
    expect(event).toMatchObject({
      eventType: 'clicked',
      recipient: 'recipient@example.com',
      userAgent: MAC_AGENT,
      clickUrl: 'http://example.com',
    });
  });

  test('test_amp_events: three events, in order: opened, unknown, clicked', async () => {
    const { answer, events } = await post([
      { msys: { track_event: { type: 'amp_open' } } },
      { msys: { track_event: { type: 'amp_initial_open' } } },
      { msys: { track_event: { type: 'amp_click' } } },
    ]);
    expect(answer).toEqual({ status: 200, body: { ok: true, events: 3 } });
    expect(events.map((e) => e.eventType)).toEqual(['opened', 'unknown', 'clicked']);
  });
});

describe("anymail's SparkPost basic-auth cases (DESIGN: 401 missing, 403 wrong)", () => {
  test('an empty batch: 200 with the right credentials, 403 wrong, 401 none', async () => {
    const { post: send } = harness(sparkpost({ password: 'password' }));
    expect(await send('[]', AUTH)).toEqual({ status: 200, body: { ok: true, events: 0 } });
    expect((await send('[]', { authorization: basic('baduser', 'wrongpassword') })).status).toBe(
      403,
    );
    expect((await send('[]')).status).toBe(401);
  });
});
