/** Resend inside workerd: fixtures signed with a test secret, and the Svix vectors, through the core. */
import { describe, expect, test } from 'vitest';
import clicked from '../fixtures/esps/resend/anymail_clicked_event.json' with { type: 'json' };
import sent from '../fixtures/esps/resend/anymail_sent_event.json' with { type: 'json' };
import vectorFile from '../fixtures/esps/resend/vectors/vectors.json' with { type: 'json' };
import { answer, resendHandler, signedRequest, URL_RESEND } from '../providers/resend/helpers.js';

const vector = (name: string) => {
  const found = vectorFile.vectors.find((v) => v.name === name);
  if (!found?.body) throw new Error(`no inline vector ${name}`);
  return {
    ...found,
    body: found.body,
    clock: new Date(Number(found.headers['svix-timestamp']) * 1000),
  };
};

describe('Resend inside workerd', () => {
  test('a signed email.sent to two addresses gives two sent contexts sharing the svix-id', async () => {
    const { handle, received } = resendHandler();
    const response = await handle(signedRequest(sent, { id: 'msg_workerd' }));
    expect(await answer(response)).toEqual({ ok: true, events: 2 });
    expect(received.map((c) => [c.eventType, c.recipient, c.eventId, c.tags])).toEqual([
      ['sent', 'to@example.org', 'msg_workerd', ['tag1:Tag_1_value', 'tag2:Tag_2_value']],
      ['sent', 'to2@example.org', 'msg_workerd', ['tag1:Tag_1_value', 'tag2:Tag_2_value']],
    ]);
  });

  test('a signed email.clicked carries its link and user agent', async () => {
    const { handle, received } = resendHandler();
    expect((await handle(signedRequest(clicked))).status).toBe(200);
    expect(received[0]).toMatchObject({
      eventType: 'clicked',
      clickUrl: 'https://example.com/test',
      userAgent: 'Mozilla/5.0 ...',
      timestamp: new Date('2023-09-28T17:21:35.257Z'),
    });
  });

  test('the Svix reference vector verifies with a clock at its timestamp', async () => {
    const v = vector('svix_sign_reference');
    const { handle } = resendHandler({ secret: v.secret }, v.clock);
    const response = await handle(
      new Request(URL_RESEND, { method: 'POST', body: v.body, headers: v.headers }),
    );
    expect(response.status).toBe(200);
  });

  test('the tampered-body vector is refused with 403 signature-invalid', async () => {
    const v = vector('svix_tampered_body');
    const { handle } = resendHandler({ secret: v.secret }, v.clock);
    const response = await handle(
      new Request(URL_RESEND, { method: 'POST', body: v.body, headers: v.headers }),
    );
    expect([response.status, (await answer(response)).error]).toEqual([403, 'signature-invalid']);
  });

  test('an unsigned request is refused with 403 signature-missing', async () => {
    const { handle } = resendHandler();
    const response = await handle(
      new Request(URL_RESEND, { method: 'POST', body: JSON.stringify(sent) }),
    );
    expect([response.status, (await answer(response)).error]).toEqual([403, 'signature-missing']);
  });
});
