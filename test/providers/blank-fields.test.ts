/**
 * An optional text field of only blanks is a missing one: an event id of spaces is replaced by
 * the body's digest as a missing id is, and a bounce type or an MTA reply of spaces reaches the
 * sinks as null, never as text a dashboard would show as an empty reason.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { mailgun, postal, postmark } from '../../src/index.js';
import { digestOf, harness } from '../helpers/provider-harness.js';

const off = { verifySignature: false } as const;

test('Mailgun: an event-data id of spaces gives the digest event id, as a missing one does', async () => {
  const { post: send, events } = harness(mailgun(off));
  const body = JSON.stringify({
    signature: { timestamp: '1893456000', token: 't', signature: 's' },
    'event-data': {
      event: 'delivered',
      id: '   ',
      timestamp: 1893456000,
      recipient: 'jane@example.com',
      message: { headers: { 'message-id': 'm@example.com' } },
    },
  });
  expect(await send(body)).toEqual({ status: 200, body: { ok: true, events: 1 } });
  expect(events.map((e) => e.eventId)).toEqual([await digestOf('mailgun', body)]);
});

test('Postal: a uuid of spaces gives a digest event id (of the body), as a missing one does', async () => {
  const sent = JSON.parse(
    readFileSync(
      new URL('../fixtures/esps/postal/anymail_delivered_event.json', import.meta.url),
      'utf8',
    ),
  );
  const ids: (string | undefined)[] = [];
  for (const uuid of ['  ', undefined]) {
    const { post: send, events } = harness(postal(off));
    expect(await send(JSON.stringify({ ...sent, uuid }))).toEqual({
      status: 200,
      body: { ok: true, events: 1 },
    });
    ids.push(events[0]?.eventId);
  }
  expect(ids).toEqual([
    expect.stringMatching(/^postal:[0-9a-f]{32}$/),
    expect.stringMatching(/^postal:[0-9a-f]{32}$/),
  ]);
});

const postmarkSent = async (record: Record<string, unknown>) => {
  const { post: send, events } = harness(postmark({ ...off, password: 'x' }));
  const answer = await send(
    JSON.stringify({ MessageID: 'm-1', Email: 'jane@example.com', ...record }),
    {
      authorization: `Basic ${btoa('u:x')}`,
    },
  );
  return { answer, events };
};

test('Postmark: a bounce whose Type and Details are spaces has a null rejectReason and mtaResponse', async () => {
  const { answer, events } = await postmarkSent({
    RecordType: 'Bounce',
    Type: '  ',
    Details: ' \t ',
    BouncedAt: '2030-01-01T00:00:00Z',
  });
  expect(answer).toEqual({ status: 200, body: { ok: true, events: 1 } });
  expect(events.map((e) => [e.eventType, e.rejectReason, e.mtaResponse])).toEqual([
    ['bounced', null, null],
  ]);
});

test('Postmark: a suppression whose SuppressionReason is spaces has a null rejectReason', async () => {
  const { answer, events } = await postmarkSent({
    RecordType: 'SubscriptionChange',
    Recipient: 'jane@example.com',
    SuppressSending: true,
    SuppressionReason: '   ',
    ChangedAt: '2030-01-01T00:00:00Z',
  });
  expect(answer).toEqual({ status: 200, body: { ok: true, events: 1 } });
  expect(events.map((e) => e.rejectReason)).toEqual([null]);
});
