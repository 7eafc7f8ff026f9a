/** Brevo inside workerd: Basic and bearer credentials, single and batched events, the variables path. */
import { describe, expect, test } from 'vitest';
import { createHandlerFromEnv } from '../../src/from-env.js';
import { brevo } from '../../src/index.js';
import { silentLogger } from '../../src/log.js';
import delivered from '../fixtures/esps/brevo/symfony_delivered.json' with { type: 'json' };
import bounce from '../fixtures/esps/brevo/symfony_hard_bounce.json' with { type: 'json' };
import { basic, digestOf, harness, routeOf } from '../helpers/provider-harness.js';

const AUTH = { authorization: basic('brevo', 'pw') };

describe('Brevo inside workerd', () => {
  test('a hard bounce: bounced, permanent, timestamp from ts_epoch, digest eventId', async () => {
    const { post, events } = harness(brevo({ password: 'pw' }));
    const body = JSON.stringify(bounce);
    expect(await post(body, AUTH)).toEqual({ status: 200, body: { ok: true, events: 1 } });
    expect(events.map((e) => [e.eventType, e.rejectCategory, e.permanent])).toEqual([
      ['bounced', 'bounced', true],
    ]);
    expect(events[0]?.timestamp.toISOString()).toBe('2023-05-31T14:37:07.372Z');
    expect(events[0]?.eventId).toBe(await digestOf('brevo', body));
  });

  test('a batched array gives one context per element', async () => {
    const { post, events } = harness(brevo({ token: 'tk' }));
    const answer = await post(JSON.stringify([delivered, bounce]), { authorization: 'Bearer tk' });
    expect(answer).toEqual({ status: 200, body: { ok: true, events: 2 } });
    expect(events.map((e) => e.eventType)).toEqual(['delivered', 'bounced']);
  });

  test('401 without credentials, 403 with wrong ones', async () => {
    const { post } = harness(brevo({ password: 'pw' }));
    expect((await post(JSON.stringify(delivered))).status).toBe(401);
    expect((await post(JSON.stringify(delivered), { authorization: basic('b', 'x') })).status).toBe(
      403,
    );
  });

  test('MAIL_WEBHOOK_BREVO_PASSWORD from the environment', async () => {
    const handle = createHandlerFromEnv(
      {
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_PROVIDERS: 'brevo',
        MAIL_WEBHOOK_BREVO_PASSWORD: 'pw',
      },
      { logger: silentLogger },
    );
    const request = new Request(routeOf('brevo'), {
      method: 'POST',
      body: JSON.stringify(delivered),
      headers: AUTH,
    });
    expect((await handle(request)).status).toBe(200);
  });
});
