// DESIGN "Where an ESP signs nothing, it takes the shared-secret settings": password (Basic, any
// user name unless `username`), token (Bearer), header + value; missing credentials 401 with the
// matching WWW-Authenticate, wrong ones 403; several kinds or several secrets: one match is enough.
import { describe, expect, test } from 'vitest';
import {
  brevo,
  createMailWebhookHandler,
  mailjet,
  postmark,
  sesEventBridge,
  sparkpost,
} from '../../src/index.js';
import { basic, collector, fixtureText, json, post, recordingLogger } from './helpers.js';

const ESPS = {
  postmark: { factory: postmark, body: fixtureText('esps/postmark/anymail_delivered_event.json') },
  brevo: { factory: brevo, body: fixtureText('esps/brevo/anymail_delivered_event.json') },
  mailjet: { factory: mailjet, body: fixtureText('esps/mailjet/anymail_sent_event.json') },
  sparkpost: {
    factory: sparkpost,
    body: fixtureText('esps/sparkpost/anymail_delivery_event.json'),
  },
  'ses-eventbridge': {
    factory: sesEventBridge,
    body: fixtureText('esps/amazon_ses_eventbridge/constructed_Bounce.json'),
  },
} as const;

async function answer(esp: keyof typeof ESPS, options: object, headers: Record<string, string>) {
  const { factory, body } = ESPS[esp];
  const sink = collector();
  const handler = createMailWebhookHandler({
    providers: [(factory as (o: object) => any)(options)],
    sinks: [sink],
    logger: recordingLogger(),
  });
  const res = await handler(post(`https://h.example/webhooks/mail/${esp}`, body, headers));
  const parsed = await json(res);
  return {
    status: res.status,
    error: parsed.error as unknown,
    challenge: res.headers.get('www-authenticate'),
    events: sink.events.length,
  };
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const basicAuth = (u: string, p: string) => ({ authorization: basic(u, p) });

describe.each(Object.keys(ESPS) as (keyof typeof ESPS)[])('%s', (esp) => {
  test('password only: 401 with a Basic challenge, wrong 403, right with any user name 200', async () => {
    const o = { password: 'pw' };
    const none = await answer(esp, o, {});
    expect(none).toMatchObject({ status: 401, error: 'credentials-required', events: 0 });
    expect(none.challenge ?? '').toMatch(/^Basic\b/i);
    expect(await answer(esp, o, basicAuth('x', 'nope'))).toMatchObject({
      status: 403,
      error: 'secret-mismatch',
      events: 0,
    });
    expect(await answer(esp, o, basicAuth('anyone', 'pw'))).toMatchObject({ status: 200 });
    expect(await answer(esp, o, basicAuth('', 'pw'))).toMatchObject({ status: 200 });
  });

  test('username set: it must match too', async () => {
    const o = { username: 'hook', password: 'pw' };
    expect(await answer(esp, o, basicAuth('hook', 'pw'))).toMatchObject({ status: 200 });
    expect(await answer(esp, o, basicAuth('other', 'pw'))).toMatchObject({
      status: 403,
      events: 0,
    });
  });

  test('token only: 401 with a Bearer challenge, wrong 403, right 200', async () => {
    const o = { token: 'tok-1' };
    const none = await answer(esp, o, {});
    expect(none).toMatchObject({ status: 401, events: 0 });
    expect(none.challenge ?? '').toMatch(/^Bearer\b/i);
    expect(await answer(esp, o, bearer('tok-2'))).toMatchObject({ status: 403, events: 0 });
    expect(await answer(esp, o, bearer('tok-1'))).toMatchObject({ status: 200, events: 1 });
  });

  test('header + value: missing 401, wrong 403, right 200 (header name in any case)', async () => {
    const o = { header: 'X-Hook-Token', value: 'v-1' };
    expect(await answer(esp, o, {})).toMatchObject({ status: 401, events: 0 });
    expect(await answer(esp, o, { 'x-hook-token': 'v-2' })).toMatchObject({
      status: 403,
      events: 0,
    });
    expect(await answer(esp, o, { 'X-HOOK-TOKEN': 'v-1' })).toMatchObject({ status: 200 });
  });

  test('several kinds configured: either one matching is enough; none sent is a 401 naming both schemes', async () => {
    const o = { password: 'pw', token: 'tok', header: 'X-Hook-Token', value: 'v' };
    expect(await answer(esp, o, basicAuth('u', 'pw'))).toMatchObject({ status: 200 });
    expect(await answer(esp, o, bearer('tok'))).toMatchObject({ status: 200 });
    expect(await answer(esp, o, { 'X-Hook-Token': 'v' })).toMatchObject({ status: 200 });
    // A wrong Basic password next to the right custom header: one match is enough.
    expect(await answer(esp, o, { ...basicAuth('u', 'wrong'), 'X-Hook-Token': 'v' })).toMatchObject(
      { status: 200 },
    );
    expect(await answer(esp, o, bearer('wrong'))).toMatchObject({ status: 403, events: 0 });
    const none = await answer(esp, o, {});
    expect(none.status).toBe(401);
    expect(none.challenge ?? '').toMatch(/Basic/i);
    expect(none.challenge ?? '').toMatch(/Bearer/i);
  });

  test('several secrets of one kind (rotation): any one matches', async () => {
    const o = { password: ['old', 'new'], token: ['t-old', 't-new'] };
    expect(await answer(esp, o, basicAuth('u', 'old'))).toMatchObject({ status: 200 });
    expect(await answer(esp, o, basicAuth('u', 'new'))).toMatchObject({ status: 200 });
    expect(await answer(esp, o, bearer('t-old'))).toMatchObject({ status: 200 });
    expect(await answer(esp, o, bearer('t-new'))).toMatchObject({ status: 200 });
    expect(await answer(esp, o, basicAuth('u', 'oldnew'))).toMatchObject({ status: 403 });
  });

  test('no shared secret at all is a ConfigError', () => {
    expect(() => (ESPS[esp].factory as (o: object) => unknown)({})).toThrow();
  });
});
