// Blind fixture tests: SparkPost (shared secret; batches of {msys:{<class>:{...}}}).
import { describe, expect, it } from 'vitest';
import { sparkpost } from '../../src/index';
import {
  basic,
  DIGEST,
  type Expected,
  expectEvents,
  expectOk,
  expectRefused,
  fixtureText,
  makeHandler,
} from './fixtures-harness';

const NOW = new Date('2026-06-01T00:00:00Z');
const AUTH = { authorization: basic('sp', 'sp-pass') };
const s = (n: number) => new Date(n * 1000).toISOString();
const ua = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_3) AppleWebKit/537.36';

async function post(body: string, headers: Record<string, string> = AUTH) {
  const h = makeHandler(sparkpost({ password: 'sp-pass' }), NOW);
  return h.post('sparkpost', body, headers);
}
const inner = (el: any) => Object.values(el.msys)[0];

const cases: Array<[string, Expected[]]> = [
  [
    'anymail_amp_events.json',
    [
      { eventType: 'opened', recipient: '' },
      { eventType: 'unknown', recipient: '' },
      { eventType: 'clicked', recipient: '' },
    ],
  ],
  [
    'anymail_bounce_challenge_response.json',
    [{ eventType: 'unknown', recipient: 'vacationing@example.com' }],
  ],
  [
    'anymail_bounce_event.json',
    [
      {
        eventType: 'bounced',
        recipient: 'bounce@example.com',
        messageId: '84345317650824116',
        eventId: '84345317653491230',
        timestamp: s(1464824548),
        mtaResponse: '550 5.1.1 <bounce@example.com>: Recipient address rejected: User unknown',
        tags: [],
        rejectCategory: 'invalid',
        permanent: true,
      },
    ],
  ],
  [
    'anymail_click_event.json',
    [
      {
        eventType: 'clicked',
        recipient: 'recipient@example.com',
        clickUrl: 'http://example.com',
        userAgent: ua,
      },
    ],
  ],
  [
    'anymail_delay_event.json',
    [
      {
        eventType: 'deferred',
        recipient: 'recipient@nomx.example.com',
        eventId: '84345317653675522',
        timestamp: s(1464825748),
        mtaResponse: '454 4.4.4 [internal] no MX or A for domain',
        rejectCategory: null,
        permanent: null,
      },
    ],
  ],
  [
    'anymail_delivery_event.json',
    [
      {
        eventType: 'delivered',
        recipient: 'Recipient@example.com',
        messageId: '65832150921904138',
        eventId: '92356927693813856',
        timestamp: s(1454442600),
        metadata: {},
      },
    ],
  ],
  [
    'anymail_generation_failure_event.json',
    [
      {
        eventType: 'failed',
        recipient: 'recipient@example.com',
        messageId: '139013368081177607',
        eventId: '139013368081587254',
        timestamp: '2018-10-11T23:24:45.000Z',
        rejectCategory: 'other',
        permanent: false,
      },
    ],
  ],
  [
    'anymail_generation_rejection_event.json',
    [
      {
        eventType: 'rejected',
        recipient: 'suppressed@example.com',
        messageId: '102360394387646691',
        eventId: '102360394390563734',
        mtaResponse: '554 5.7.1 recipient address suppressed due to customer policy',
      },
    ],
  ],
  ['anymail_initial_open_event_as_opened.json', [{ eventType: 'unknown', userAgent: ua }]],
  [
    'anymail_injection_event.json',
    [
      {
        eventType: 'queued',
        recipient: 'recipient@example.com',
        messageId: '65832150921904138',
        eventId: '92356927693813856',
        timestamp: s(1454442600),
        tags: ['Example Campaign Name'],
        metadata: { customKey: 'customValue' },
      },
    ],
  ],
  [
    'anymail_open_event.json',
    [{ eventType: 'opened', recipient: 'recipient@example.com', userAgent: ua }],
  ],
  [
    'anymail_unsubscribe_event.json',
    [
      {
        eventType: 'unsubscribed',
        messageId: '84345993965073285',
        eventId: '66331590532986193',
        rejectCategory: 'unsubscribed',
        permanent: null,
      },
    ],
  ],
];

describe('SparkPost: every fixture', () => {
  for (const [file, want] of cases) {
    it(file, async () => {
      const text = fixtureText('sparkpost', file);
      const r = await post(text);
      expectOk(r, want.length);
      expectEvents(
        r.events,
        want.map((w) => ({ espName: 'sparkpost', ...w })),
      );
      const elements = JSON.parse(text);
      r.events.forEach((e, i) => {
        expect(e.rawEvent).toEqual(inner(elements[i]));
        if (!(inner(elements[i]) as any).event_id) expect(e.eventId).toMatch(DIGEST('sparkpost'));
      });
    });
  }

  it('anymail_ping_event.json: the [{msys:{}}] ping is 200 with no events', async () => {
    expectOk(await post(fixtureText('sparkpost', 'anymail_ping_event.json')), 0);
  });

  it('a mixed batch: ping element and junk skipped, events delivered', async () => {
    const a = JSON.parse(fixtureText('sparkpost', 'anymail_delivery_event.json'))[0];
    const b = JSON.parse(fixtureText('sparkpost', 'anymail_bounce_event.json'))[0];
    const r = await post(JSON.stringify([a, { msys: {} }, 'junk', b]));
    expectOk(r, 2);
    expect(r.events.map((e) => e.eventType)).toEqual(['delivered', 'bounced']);
  });

  it('credentials: none 401, wrong 403, bearer token', async () => {
    const text = fixtureText('sparkpost', 'anymail_delivery_event.json');
    expectRefused(await post(text, {}), 401);
    expectRefused(await post(text, { authorization: basic('sp', 'x') }), 403);
    const h = makeHandler(sparkpost({ token: 'oauth-token' }), NOW);
    expectOk(await h.post('sparkpost', text, { authorization: 'Bearer oauth-token' }), 1);
  });
});
