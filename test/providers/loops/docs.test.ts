/** Loops' documented payloads (fixtures `docs_*`, one per event name), signed, through the handler. */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { EMPTY_FIELDS } from '../../helpers/expected-context.js';
import { answer, loopsHandler, signedRequest } from './helpers.js';

const DIR = new URL('../../fixtures/esps/loops/', import.meta.url);
const WEBHOOK_ID = 'msg_loops_docs';

const docs = (name: string): string => readFileSync(new URL(`docs_${name}.json`, DIR), 'utf8');

const BASE = {
  ...EMPTY_FIELDS,
  espName: 'loops',
  eventId: WEBHOOK_ID,
  recipient: 'test+1@loops.so',
  messageId: 'cm4t1sseg004tje7982991nan',
  timestamp: '2024-12-17T08:58:38.000Z',
};

const BOUNCED = { eventType: 'bounced', rejectCategory: 'bounced' } as const;

test.each([
  ['transactional.email.sent', { eventType: 'sent' }],
  ['campaign.email.sent', { eventType: 'sent', messageId: 'cm4t1sv84004yje79hawr1fi1' }],
  ['email.delivered', { eventType: 'delivered' }],
  ['email.softBounced', { ...BOUNCED, rejectReason: 'softBounced', permanent: false }],
  [
    'email.hardBounced',
    {
      ...BOUNCED,
      rejectReason: 'hardBounced',
      permanent: true,
      messageId: '9874cm4t1sseg004tje7982991nan8732843',
    },
  ],
  ['email.opened', { eventType: 'opened' }],
  ['email.clicked', { eventType: 'clicked' }],
  ['email.unsubscribed', { eventType: 'unsubscribed', rejectCategory: 'unsubscribed' }],
  ['email.resubscribed', { eventType: 'unknown' }],
  ['email.spamReported', { eventType: 'complained', rejectCategory: 'spam' }],
])('the documented %s payload is one context with every field', async (name, fields) => {
  const { handle, received } = loopsHandler();
  const response = await handle(signedRequest(docs(name), { id: WEBHOOK_ID }));
  expect(await answer(response)).toEqual({ ok: true, events: 1 });
  expect(
    received.map(({ rawEvent: _, timestamp, ...rest }) => ({
      ...rest,
      timestamp: timestamp.toISOString(),
    })),
  ).toEqual([{ ...BASE, ...fields }]);
});

// contact.unsubscribed comes with email.unsubscribed or email.hardBounced, which carry the message.
test.each(['contact.unsubscribed', 'testing.testEvent'])(
  'the documented %s payload is 200 with no events',
  async (name) => {
    const { handle, received } = loopsHandler();
    const response = await handle(signedRequest(docs(name), { id: WEBHOOK_ID }));
    expect([response.status, await answer(response)]).toEqual([200, { ok: true, events: 0 }]);
    expect(received).toEqual([]);
  },
);
