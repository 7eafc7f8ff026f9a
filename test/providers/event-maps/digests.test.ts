/**
 * DESIGN "Providers": where an ESP has no event id, `eventId` is `<name>:` and SHA-256 over the
 * raw body (one event) or over `JSON.stringify` of the parsed element (a batch element).
 */
import { describe, expect, test } from 'vitest';
import { mailjet, mailtrap, sparkpost } from '../../../src/index.js';
import { digestOf } from '../../helpers/provider-harness.js';
import { contextsOf } from './helpers.js';

describe('digest event ids of batch elements', () => {
  test('SparkPost: an element without event_id', async () => {
    const a = {
      type: 'delivery',
      timestamp: '1454442600',
      transmission_id: 't1',
      rcpt_to: 'a@example.com',
    };
    const b = { ...a, rcpt_to: 'b@example.com' };
    const body = [{ msys: { message_event: a } }, { msys: { message_event: b } }];
    const got = await contextsOf(
      sparkpost({ verifySignature: false }),
      JSON.stringify(body, null, 2),
    );
    expect(got.map((e) => e.eventId)).toEqual([
      await digestOf('sparkpost', JSON.stringify(body[0])),
      await digestOf('sparkpost', JSON.stringify(body[1])),
    ]);
  });

  test('Mailtrap: an element without event_id', async () => {
    const a = {
      event: 'delivery',
      message_id: 'm1',
      email: 'a@example.com',
      timestamp: 1726358034,
    };
    const b = { ...a, email: 'b@example.com' };
    const got = await contextsOf(
      mailtrap({ verifySignature: false }),
      JSON.stringify({ events: [a, b] }, null, 2),
    );
    expect(got.map((e) => e.eventId)).toEqual([
      await digestOf('mailtrap', JSON.stringify(a)),
      await digestOf('mailtrap', JSON.stringify(b)),
    ]);
  });

  test('Mailjet: each element of a grouped array', async () => {
    const a = { event: 'sent', time: 1480095030, MessageID: 123, email: 'a@example.com' };
    const b = { ...a, email: 'b@example.com' };
    const got = await contextsOf(
      mailjet({ verifySignature: false }),
      JSON.stringify([a, b], null, 2),
    );
    expect(got.map((e) => e.eventId)).toEqual([
      await digestOf('mailjet', JSON.stringify(a)),
      await digestOf('mailjet', JSON.stringify(b)),
    ]);
  });
});
