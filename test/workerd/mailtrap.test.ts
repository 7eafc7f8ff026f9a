/** Mailtrap verification and batch parsing inside workerd (the Cloudflare Workers runtime). */
import { describe, expect, test } from 'vitest';
import batch from '../fixtures/esps/mailtrap/symfony_batch.json' with { type: 'json' };
import {
  answer,
  mailtrapRequest,
  OTHER_SECRET,
  setup,
  sign,
} from '../providers/mailtrap/helpers.js';

const BODY = JSON.stringify(batch);

describe('mailtrap inside workerd', () => {
  test('a signed batch verifies and gives one event per element', async () => {
    const { handle, events } = setup();
    const result = await answer(await handle(await mailtrapRequest(BODY)));
    expect(result).toEqual({ status: 200, body: { ok: true, events: 2 } });
    expect(events.map((e) => [e.eventType, e.messageId, e.rejectCategory, e.permanent])).toEqual([
      ['bounced', '00000000-0000-0000-0000-000000000001', 'bounced', true],
      ['clicked', '00000000-0000-0000-0000-000000000002', null, null],
    ]);
    expect(events[1]?.timestamp.toISOString()).toBe('2024-09-14T23:53:54.000Z');
  });

  test('JSON Lines with a broken line delivers the rest', async () => {
    const { handle, events } = setup();
    const body = `${JSON.stringify(batch.events[0])}\n[oops\n${JSON.stringify(batch.events[1])}`;
    const result = await answer(
      await handle(await mailtrapRequest(body, undefined, 'application/jsonl')),
    );
    expect(result).toEqual({ status: 200, body: { ok: true, events: 2 } });
    expect(events).toHaveLength(2);
  });

  test('missing, wrong-secret and tampered signatures are 403', async () => {
    const { handle, events } = setup();
    const missing = await answer(await handle(await mailtrapRequest(BODY, null)));
    expect([missing.status, (missing.body as { error: string }).error]).toEqual([
      403,
      'signature-missing',
    ]);
    expect((await handle(await mailtrapRequest(BODY, await sign(BODY, OTHER_SECRET)))).status).toBe(
      403,
    );
    expect((await handle(await mailtrapRequest(`${BODY}\n`, await sign(BODY)))).status).toBe(403);
    expect(events).toEqual([]);
  });
});
