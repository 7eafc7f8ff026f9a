import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { createHandlerFromEnv } from '../../../src/from-env.js';
import { ConfigError, unisenderGo } from '../../../src/index.js';
import { memoryLogger } from '../../helpers/envelope.js';
import { harness, routeOf } from '../../helpers/provider-harness.js';
import { API_KEY, signed } from './helpers.js';
import { tamperCases, vectorCases } from './vector-cases.js';

const EVENT = {
  event_name: 'transactional_email_status',
  job_id: '1smi9f-00057m-86zr',
  email: 'recipient@example.com',
  status: 'delivered',
  event_time: '2024-09-06 23:14:24',
};
const batchOf = (...events: unknown[]) => ({
  events_by_user: [{ user_id: 1, project_id: '6862471', events }],
});
const setup = () => harness(unisenderGo({ apiKey: API_KEY }));

describe('Unisender Go signed vectors', () => {
  for (const { name, run } of [...vectorCases, ...tamperCases]) test(name, run);
});

describe('Unisender Go signature', () => {
  test('no auth field is 403 signature-missing; a value that is no MD5 is signature-invalid', async () => {
    const { post, events } = setup();
    const missing = await post(JSON.stringify(EVENT));
    expect([missing.status, missing.body.error]).toEqual([403, 'signature-missing']);
    const notMd5 = await post(JSON.stringify({ ...EVENT, auth: API_KEY }));
    expect([notMd5.status, notMd5.body.error, notMd5.body.message]).toEqual([
      403,
      'signature-invalid',
      '"auth" is not an MD5 digest (32 hex digits)',
    ]);
    expect(events).toEqual([]);
  });

  test('a body signed with another key is 403 and says to check the key, never showing it', async () => {
    const { post, lines } = setup();
    const answer = await post(signed(EVENT, 'some-other-key'));
    expect([answer.status, answer.body.error]).toEqual([403, 'signature-invalid']);
    expect(answer.body.message).toMatch(/API key/);
    expect(JSON.stringify([answer.body, lines])).not.toContain(API_KEY);
  });

  // The fixture anymail_error_includes_project_id_single_event (anymail's test of that name):
  // a project's webhooks are signed with that project's key, so the refusal names the project.
  test('signed with another key, the refusal names the project the webhook is for (batch and single)', async () => {
    const { post, lines } = setup();
    const single = readFileSync(
      new URL(
        '../../fixtures/esps/unisender_go/anymail_error_includes_project_id_single_event.json',
        import.meta.url,
      ),
      'utf8',
    );
    const batch = { events_by_user: [{ user_id: 1, project_id: 999999, events: [EVENT] }] };
    for (const body of [signed(JSON.parse(single), 'OTHER_API_KEY'), signed(batch, 'OTHER')]) {
      const answer = await post(body);
      expect([answer.status, answer.body.error]).toEqual([403, 'signature-invalid']);
      expect(answer.body.message).toContain('project 999999');
    }
    expect(lines.filter((l) => JSON.stringify(l).includes('project 999999'))).toHaveLength(2);
    // Unisender Go's documented batch writes the id as a string: named the same way.
    const named = { events_by_user: [{ user_id: 1, project_id: '6432890', events: [EVENT] }] };
    expect((await post(signed(named, 'OTHER'))).body.message).toContain('project 6432890');
  });

  test('the raw bytes are hashed: the same JSON with other spacing is refused', async () => {
    const { post } = setup();
    const body = signed(EVENT);
    expect((await post(body)).status).toBe(200);
    expect((await post(body.replace(',"email"', ', "email"'))).status).toBe(403);
  });

  test('an uppercase digest is accepted (hex is hex)', async () => {
    const { post } = setup();
    const body = signed(EVENT);
    const auth = JSON.parse(body).auth as string;
    // The upper-case digest stands in the body, so the key replaces it there too.
    const text = body.replace(auth, API_KEY);
    const upper = createHash('md5').update(text).digest('hex').toUpperCase();
    expect((await post(text.replace(API_KEY, upper))).status).toBe(200);
  });

  test('GET (the set-up probe) and HEAD are 200 with no events; PUT is 405', async () => {
    const { handle, events } = setup();
    const get = await handle(new Request(routeOf('unisender-go')));
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ ok: true, events: 0 });
    const head = await handle(new Request(routeOf('unisender-go'), { method: 'HEAD' }));
    expect(head.status).toBe(200);
    expect(events).toEqual([]);
    const put = await handle(new Request(routeOf('unisender-go'), { method: 'PUT' }));
    expect([put.status, put.headers.get('allow')]).toEqual([405, 'POST, GET, HEAD']);
  });

  test('unisenderGo() needs apiKey unless verification is off (then it warns)', async () => {
    expect(() => unisenderGo()).toThrow(ConfigError);
    expect(() => unisenderGo()).toThrow(/^unisender-go\.apiKey: is required/);
    expect(() => unisenderGo({ apiKey: '' })).toThrow(/^unisender-go\.apiKey:/);
    expect(() => unisenderGo({ apikey: 'x' } as never)).toThrow(/unisender-go\.apikey.*apiKey/);
    const { post, warnings } = harness(unisenderGo({ verifySignature: false }));
    expect((await post(JSON.stringify(EVENT))).status).toBe(200);
    expect(warnings().some((l) => /verification is OFF/.test(l.msg))).toBe(true);
  });
});

describe('Unisender Go events', () => {
  test('every user of events_by_user is read; spam-block notices and broken events are skipped', async () => {
    const { post, events, lines } = setup();
    const payload = {
      events_by_user: [
        { user_id: 1, events: [{ event_name: 'transactional_email_status', event_data: EVENT }] },
        {
          user_id: 2,
          events: [
            { event_name: 'transactional_spam_block', event_data: { domain_status: 'blocked' } },
            { event_name: 'transactional_email_status', event_data: { ...EVENT, email: '' } },
            { event_name: 'transactional_email_status', event_data: 'x' },
            { event_name: 'transactional_email_status', event_data: { ...EVENT, email: 'b@x.io' } },
          ],
        },
      ],
    };
    expect(await post(signed(payload))).toEqual({ status: 200, body: { ok: true, events: 2 } });
    expect(events.map((e) => e.recipient)).toEqual(['recipient@example.com', 'b@x.io']);
    const notes = lines.filter((l) => l.level !== 'info' || l.msg !== 'event');
    expect(notes.map((l) => [l.level, l.fields.index, l.fields.problem])).toEqual([
      ['info', 1, undefined],
      ['warn', 2, 'field "email" is missing'],
      ['warn', 3, 'field "event_data" is not an object'],
    ]);
  });

  test('the single-event form: a broken event is a 400 naming the field', async () => {
    const { post } = setup();
    for (const [fields, message] of [
      [{ email: undefined }, 'field "email" is missing'],
      [{ event_time: '2024-02-30 10:00:00' }, 'field "event_time" is not a timestamp'],
      [{ event_name: undefined }, 'field "event_name" is missing'],
    ] as const) {
      const answer = await post(signed({ ...EVENT, ...fields }));
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({
        error: 'invalid-unisender-go-event',
        message: `Unisender Go event ${message}`,
      });
    }
  });

  test('messageId: metadata.anymail_id (then left out of metadata), else job_id', async () => {
    const { post, events } = setup();
    const withMetadata = (metadata: unknown) => ({
      event_name: 'transactional_email_status',
      event_data: { ...EVENT, metadata },
    });
    const answer = await post(
      signed(
        batchOf(
          withMetadata({ anymail_id: 'my-id-1', cohort: 'a', n: 2, z: null }),
          withMetadata({ cohort: 'b' }),
          withMetadata({ anymail_id: '', cohort: 'c' }),
          withMetadata({ anymail_id: 7 }),
        ),
      ),
    );
    expect(answer).toEqual({ status: 200, body: { ok: true, events: 4 } });
    expect(events.map((e) => [e.messageId, e.metadata])).toEqual([
      ['my-id-1', { cohort: 'a', n: '2', z: '' }],
      [EVENT.job_id, { cohort: 'b' }],
      [EVENT.job_id, { anymail_id: '', cohort: 'c' }],
      [EVENT.job_id, { anymail_id: '7' }],
    ]);
  });

  test('event_time has no zone and is UTC', async () => {
    const { post, events } = setup();
    await post(signed(EVENT));
    expect(events[0]?.timestamp.toISOString()).toBe('2024-09-06T23:14:24.000Z');
  });

  test('hard bounces: the category follows delivery_status; every hard bounce is permanent', async () => {
    const { post, events } = setup();
    const statuses = ['err_user_unknown', 'err_blacklisted', 'err_lost', 'err_new_kind', 'ok'];
    const bounces = statuses.map((status) => ({
      event_name: 'transactional_email_status',
      event_data: { ...EVENT, status: 'hard_bounced', delivery_info: { delivery_status: status } },
    }));
    await post(signed(batchOf(...bounces)));
    expect(events.map((e) => [e.rejectReason, e.rejectCategory, e.permanent])).toEqual([
      ['err_user_unknown', 'bounced', true],
      ['err_blacklisted', 'blocked', true],
      ['err_lost', 'other', true],
      ['err_new_kind', 'other', true],
      [null, 'bounced', true],
    ]);
  });

  // anymail's unisender_go.py: description = delivery_info.delivery_status or comment, whatever
  // the status says (ok_* as well as err_*); only err_* statuses are a reject reason.
  test('description is delivery_status (ok_* too), else the comment', async () => {
    const { post, events } = setup();
    const withInfo = (delivery_info: object, extra: object = {}) => ({
      event_name: 'transactional_email_status',
      event_data: { ...EVENT, delivery_info, ...extra },
    });
    await post(
      signed(
        batchOf(
          withInfo({ delivery_status: 'ok_delivered', destination_response: '250 OK' }),
          withInfo({ delivery_status: 'err_mailbox_full' }, { status: 'soft_bounced' }),
          withInfo({}, { status: 'unsubscribed', comment: 'too many' }),
        ),
      ),
    );
    expect(events.map((e) => [e.eventType, e.description, e.rejectReason, e.mtaResponse])).toEqual([
      ['delivered', 'ok_delivered', null, '250 OK'],
      ['deferred', 'err_mailbox_full', 'err_mailbox_full', null],
      ['unsubscribed', 'too many', null, null],
    ]);
  });

  test('subscribed, unknown and prototype statuses are unknown events', async () => {
    const { post, events } = setup();
    const names = ['subscribed', 'mystery', 'constructor'];
    await post(
      signed(
        batchOf(
          ...names.map((status) => ({
            event_name: 'transactional_email_status',
            event_data: { ...EVENT, status },
          })),
        ),
      ),
    );
    expect(events.map((e) => e.eventType)).toEqual(['unknown', 'unknown', 'unknown']);
  });

  test('events_by_user that is not an array, and a body that is not an object, are 400', async () => {
    const { post } = setup();
    expect((await post(signed({ events_by_user: {} }))).status).toBe(400);
    expect((await post('[]')).status).toBe(403);
  });
});

describe('Unisender Go from the environment', () => {
  const fromEnv = (env: Record<string, string>) =>
    createHandlerFromEnv(
      { MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_PROVIDERS: 'unisender-go', ...env },
      { logger: memoryLogger().logger },
    );
  const post = (handle: (r: Request) => Promise<Response>, body: string) =>
    handle(new Request(routeOf('unisender-go'), { method: 'POST', body })).then((r) => r.status);

  test('MAIL_WEBHOOK_UNISENDER_GO_API_KEY and _PREVIOUS both verify', async () => {
    const handle = fromEnv({
      MAIL_WEBHOOK_UNISENDER_GO_API_KEY: 'new-key',
      MAIL_WEBHOOK_UNISENDER_GO_API_KEY_PREVIOUS: API_KEY,
    });
    expect(await post(handle, signed(EVENT, 'new-key'))).toBe(200);
    expect(await post(handle, signed(EVENT))).toBe(200);
    expect(await post(handle, signed(EVENT, 'retired-key'))).toBe(403);
  });

  test('without the key, start-up stops naming MAIL_WEBHOOK_UNISENDER_GO_API_KEY', () => {
    try {
      fromEnv({});
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).setting).toBe('MAIL_WEBHOOK_UNISENDER_GO_API_KEY');
    }
  });
});
