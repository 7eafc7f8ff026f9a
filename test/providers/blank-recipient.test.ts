/**
 * A recipient of only blanks is a missing one, in every provider: the same answer and the same
 * events as an empty recipient (a 400 naming the field, a skipped batch element, or an event
 * reported with an empty recipient), never a recipient of spaces reaching the sinks and the store.
 */
import { describe, expect, test } from 'vitest';
import {
  type EmailTrackingContext,
  mailersend,
  mailgun,
  mandrill,
  postmark,
  resend,
  sparkpost,
} from '../../src/index.js';
import { MOUNTS, signedRequest } from '../core/on-call-logs.mounts.js';
import { captureHandler } from '../helpers/capture-handler.js';
import { harness, routeOf } from '../helpers/provider-harness.js';

/** Status, answer and the recipients the sink took, for a delivered sample sent to `recipient`. */
async function deliveredTo(name: string, recipient: string) {
  const mount = MOUNTS[name];
  if (!mount) throw new Error(name);
  const { handle, events } = captureHandler(mount.provider);
  const request = await signedRequest(name, { recipient });
  const response = await handle(
    new Request(routeOf(mount.provider.path), { method: 'POST', ...request }),
  );
  const body = (await response.json()) as Record<string, unknown>;
  return { status: response.status, body, recipients: events.map((e) => e.recipient) };
}

describe.each(Object.keys(MOUNTS))('%s', (name) => {
  test('a recipient of spaces is answered and delivered as an empty one is', async () => {
    const blank = await deliveredTo(name, '   ');
    expect(blank).toEqual(await deliveredTo(name, ''));
    // Refused or skipped, or reported with an empty recipient: never one made of spaces.
    expect(blank.recipients.every((r) => r === '')).toBe(true);
  });
});

// Where an empty recipient passes the schema too, equal answers alone would let spaces through.
const BLANK_IS_INVALID = 'is invalid (Invalid length: Expected !0 but received 0)';
test.each([
  ['resend', 'Resend event field "data.to.0"'],
  ['mailersend', 'MailerSend event field "data.email.recipient.email"'],
  ['loops', 'Loops event field "contactIdentity.email"'],
  ['scaleway', 'Scaleway TEM event field "email_to"'],
])('%s: a recipient of spaces is a 400 naming the field', async (name, field) => {
  const { status, body, recipients } = await deliveredTo(name, '   ');
  expect({ status, error: body.error, message: body.message, recipients }).toEqual({
    status: 400,
    error: `invalid-${name}-event`,
    message: `${field} ${BLANK_IS_INVALID}`,
    recipients: [],
  });
});

const off = { verifySignature: false } as const;
const recipientsOf = (events: EmailTrackingContext[]) => events.map((e) => e.recipient);

test('Postmark: a Recipient of spaces falls back to Email, as a missing one does', async () => {
  const { post: send, events } = harness(postmark({ ...off, password: 'x' }));
  const answer = await send(
    JSON.stringify({
      RecordType: 'Delivery',
      MessageID: 'm-1',
      Recipient: '  ',
      Email: 'jane@example.com',
      DeliveredAt: '2030-01-01T00:00:00Z',
    }),
    { authorization: `Basic ${btoa('u:x')}` },
  );
  expect(answer).toEqual({ status: 200, body: { ok: true, events: 1 } });
  expect(recipientsOf(events)).toEqual(['jane@example.com']);
});

test('SparkPost: a raw_rcpt_to of spaces falls back to rcpt_to, as a missing one does', async () => {
  const { post: send, events } = harness(sparkpost({ ...off, token: 'x' }));
  const answer = await send(
    JSON.stringify([
      {
        msys: {
          message_event: {
            type: 'delivery',
            event_id: 'e-1',
            raw_rcpt_to: ' \t ',
            rcpt_to: 'jane@example.com',
            timestamp: '1893456000',
          },
        },
      },
    ]),
    { authorization: 'Bearer x' },
  );
  expect(answer).toEqual({ status: 200, body: { ok: true, events: 1 } });
  expect(recipientsOf(events)).toEqual(['jane@example.com']);
});

test('Mailgun: a rejected event whose recipient is spaces takes the To header, as a missing one does', async () => {
  const { post: send, events } = harness(mailgun(off));
  const answer = await send(
    JSON.stringify({
      signature: { timestamp: '1893456000', token: 't', signature: 's' },
      'event-data': {
        event: 'rejected',
        id: 'ev-1',
        timestamp: 1893456000,
        recipient: '   ',
        message: { headers: { to: 'Jane <jane@example.com>', 'message-id': 'm@example.com' } },
      },
    }),
  );
  expect(answer).toEqual({ status: 200, body: { ok: true, events: 1 } });
  expect(recipientsOf(events)).toEqual(['jane@example.com']);
});

test('Resend: a data.to of spaces, as one string, is a 400 naming the field', async () => {
  const { post: send, events } = harness(resend(off));
  const answer = await send(
    JSON.stringify({
      type: 'email.delivered',
      created_at: '2030-01-01T00:00:00.000Z',
      data: { email_id: 'e-1', to: '  ', created_at: '2030-01-01T00:00:00.000Z' },
    }),
  );
  expect(answer).toEqual({
    status: 400,
    body: {
      ok: false,
      error: 'invalid-resend-event',
      message: `Resend event field "data.to" ${BLANK_IS_INVALID}`,
    },
  });
  expect(events).toEqual([]);
});

test('MailerSend v2: a data.recipient of spaces is reported with an empty recipient, as a missing one is', async () => {
  const { post: send, events } = harness(mailersend(off));
  const answer = await send(
    JSON.stringify({
      type: 'activity.delivered',
      created_at: '2030-01-01T00:00:00.000000Z',
      data: { id: 'ev-1', message_id: 'm-1', type: 'delivered', recipient: ' \t ' },
    }),
  );
  expect(answer).toEqual({ status: 200, body: { ok: true, events: 1 } });
  expect(recipientsOf(events)).toEqual(['']);
});

test('Mandrill: a sync event whose msg.email is spaces takes entry.email, as a missing one does', async () => {
  const { post: send, events } = harness(mandrill(off));
  const text = JSON.stringify([
    {
      type: 'blacklist',
      action: 'add',
      msg: { email: '  ' },
      entry: { email: 'jane@example.com' },
    },
  ]);
  const answer = await send(new URLSearchParams({ mandrill_events: text }).toString(), {
    'content-type': 'application/x-www-form-urlencoded',
  });
  expect(answer).toEqual({ status: 200, body: { ok: true, events: 1 } });
  expect(recipientsOf(events)).toEqual(['jane@example.com']);
});
