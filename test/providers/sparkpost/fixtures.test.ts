import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { sparkpost } from '../../../src/index.js';
import { type Expected, expectContext, expected } from '../../helpers/expected-context.js';
import { basic, digestOf, harness, NOW } from '../../helpers/provider-harness.js';

const DIR = new URL('../../fixtures/esps/sparkpost/', import.meta.url);
const text = (name: string) => readFileSync(new URL(name, DIR), 'utf8');

const AUTH = { authorization: basic('sparkpost', 'pw') };
const NOW_ISO = NOW.toISOString();
const MAC_AGENT = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_3) AppleWebKit/537.36';

/** What one fixture gives: its contexts, and the eventId of each (`digest` where SparkPost sent none). */
interface Case {
  readonly events: readonly (Expected & { readonly id: string })[];
  readonly skipped?: number;
}

const one = (id: string, fields: Parameters<typeof expected>[0]): Case => ({
  events: [{ ...expected(fields), id }],
});

const CASES: Record<string, Case> = {
  // anymail's AMP samples carry no recipient, time or id: reported all the same, as anymail does
  // (amp_initial_open is unknown, as initial_open).
  'anymail_amp_events.json': {
    events: (['opened', 'unknown', 'clicked'] as const).map((eventType) => ({
      ...expected({ eventType, recipient: '', messageId: '', timestamp: NOW_ISO }),
      id: 'digest',
    })),
  },
  // Bounce class 60 is an auto-reply, not a failure: anymail's "autoresponded", our unknown.
  'anymail_bounce_challenge_response.json': one('digest', {
    eventType: 'unknown',
    recipient: 'vacationing@example.com',
    messageId: '',
    timestamp: NOW_ISO,
    rejectReason: '60',
  }),
  'anymail_bounce_event.json': one('84345317653491230', {
    eventType: 'bounced',
    recipient: 'bounce@example.com',
    messageId: '84345317650824116',
    timestamp: '2016-06-01T23:42:28.000Z',
    rejectReason: '10',
    description: '550 5.1.1 ...@... Recipient address rejected: ...',
    mtaResponse: '550 5.1.1 <bounce@example.com>: Recipient address rejected: User unknown',
    rejectCategory: 'invalid',
    permanent: true,
  }),
  'anymail_click_event.json': one('digest', {
    eventType: 'clicked',
    recipient: 'recipient@example.com',
    messageId: '',
    timestamp: NOW_ISO,
    clickUrl: 'http://example.com',
    userAgent: MAC_AGENT,
  }),
  // A delay keeps its class as rejectReason, but deferrals carry no category.
  'anymail_delay_event.json': one('84345317653675522', {
    eventType: 'deferred',
    recipient: 'recipient@nomx.example.com',
    messageId: '84345317650824116',
    timestamp: '2016-06-02T00:02:28.000Z',
    rejectReason: '21',
    description: '454 4.4.4 [internal] no MX or A for domain',
    mtaResponse: '454 4.4.4 [internal] no MX or A for domain',
  }),
  // raw_rcpt_to keeps the address's case.
  'anymail_delivery_event.json': one('92356927693813856', {
    eventType: 'delivered',
    recipient: 'Recipient@example.com',
    messageId: '65832150921904138',
    timestamp: '2016-02-02T19:50:00.000Z',
  }),
  // Generation failures write their timestamp in ISO 8601.
  'anymail_generation_failure_event.json': one('139013368081587254', {
    eventType: 'failed',
    recipient: 'recipient@example.com',
    messageId: '139013368081177607',
    timestamp: '2018-10-11T23:24:45.000Z',
    description: '554 5.3.3 [internal] Error while rendering part html: ...',
    mtaResponse: '554 5.3.3 [internal] Error while rendering part html: ...',
    rejectCategory: 'other',
    permanent: false,
  }),
  'anymail_generation_rejection_event.json': one('102360394390563734', {
    eventType: 'rejected',
    recipient: 'suppressed@example.com',
    messageId: '102360394387646691',
    timestamp: '2016-06-02T20:40:34.000Z',
    description: '554 5.7.1 recipient address suppressed due to customer policy',
    mtaResponse: '554 5.7.1 recipient address suppressed due to customer policy',
    rejectCategory: 'blocked',
    permanent: true,
  }),
  // initial_open stays unknown, as in anymail's default: the `open` that follows is the open.
  'anymail_initial_open_event_as_opened.json': one('digest', {
    eventType: 'unknown',
    recipient: 'recipient@example.com',
    messageId: '',
    timestamp: NOW_ISO,
    userAgent: MAC_AGENT,
  }),
  'anymail_injection_event.json': one('92356927693813856', {
    eventType: 'queued',
    recipient: 'recipient@example.com',
    messageId: '65832150921904138',
    timestamp: '2016-02-02T19:50:00.000Z',
    tags: ['Example Campaign Name'],
    metadata: { customKey: 'customValue' },
  }),
  'anymail_open_event.json': one('digest', {
    eventType: 'opened',
    recipient: 'recipient@example.com',
    messageId: '',
    timestamp: NOW_ISO,
    userAgent: MAC_AGENT,
  }),
  'anymail_ping_event.json': { events: [] },
  'anymail_unsubscribe_event.json': one('66331590532986193', {
    eventType: 'unsubscribed',
    recipient: 'recipient@example.com',
    messageId: '84345993965073285',
    timestamp: '2016-06-02T19:04:40.000Z',
    rejectCategory: 'unsubscribed',
  }),
};

describe('SparkPost fixtures through the handler', () => {
  test('every fixture in the folder has a case', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(Object.keys(CASES).sort());
  });

  for (const [file, want] of Object.entries(CASES)) {
    test(`${file}: ${want.events.map((e) => e.eventType).join(', ') || 'no events'}`, async () => {
      const { post, events, warnings } = harness(sparkpost({ password: 'pw' }));
      const body = text(file);
      const batch = JSON.parse(body) as { msys: Record<string, unknown> }[];
      expect(await post(body, AUTH)).toEqual({
        status: 200,
        body: { ok: true, events: want.events.length },
      });
      expect(events).toHaveLength(want.events.length);
      for (const [i, { id, ...fields }] of want.events.entries()) {
        expectContext(events[i], fields, 'sparkpost');
        // rawEvent is the inner event object; eventId SparkPost's, else the element's digest.
        const element = batch[i] as { msys: Record<string, unknown> };
        expect(events[i]?.rawEvent).toEqual(Object.values(element.msys)[0]);
        const digest = await digestOf('sparkpost', JSON.stringify(element));
        expect(events[i]?.eventId).toBe(id === 'digest' ? digest : id);
      }
      expect(warnings().filter((l) => /skipped/.test(l.msg))).toHaveLength(want.skipped ?? 0);
    });
  }
});
