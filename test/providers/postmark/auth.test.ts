import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ConfigError, postmark } from '../../../src/index.js';
import {
  basic,
  postmarkHandler,
  postmarkRequest,
  streamedRequest,
  watchedBody,
} from './helpers.js';

const DELIVERY = readFileSync(
  new URL('../../fixtures/esps/postmark/symfony_delivery.json', import.meta.url),
  'utf8',
);

const statusOf = async (
  options: Parameters<typeof postmarkHandler>[0],
  headers: Record<string, string>,
) => (await postmarkHandler(options).handle(postmarkRequest(DELIVERY, headers))).status;

describe('Postmark HTTP Basic', () => {
  test('no credentials: 401 with a Basic challenge, and the body is never read', async () => {
    const { handle, events } = postmarkHandler();
    const { stream, state } = watchedBody(DELIVERY);
    const response = await handle(streamedRequest(stream, { 'content-type': 'application/json' }));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm="[^"]+"/);
    expect((await response.json()).error).toBe('credentials-required');
    expect(state.pulled).toBe(false);
    expect(events).toEqual([]);
  });

  test("django-anymail's WEBHOOK_SECRET list (cred1:pass1, cred2:pass2) as passwords: each pair matches whole, a mixed pair does not", async () => {
    const options = { password: ['cred1:pass1', 'cred2:pass2'] };
    expect(await statusOf(options, { authorization: basic('cred1', 'pass1') })).toBe(200);
    expect(await statusOf(options, { authorization: basic('cred2', 'pass2') })).toBe(200);
    expect(await statusOf(options, { authorization: basic('cred1', 'pass2') })).toBe(403);
    expect(await statusOf(options, { authorization: basic('baduser', 'wrongpassword') })).toBe(403);
    // With a username set, only that user and the password part count, as before.
    const named = { username: 'cred1', password: ['pass1'] };
    expect(await statusOf(named, { authorization: basic('cred1', 'pass1') })).toBe(200);
    expect(await statusOf(named, { authorization: basic('other', 'pass1') })).toBe(403);
  });

  test('a wrong password is 403 and the body is never read', async () => {
    const { handle } = postmarkHandler();
    const { stream, state } = watchedBody(DELIVERY);
    const response = await handle(
      streamedRequest(stream, { authorization: basic('postmark', 'wrong') }),
    );
    expect(response.status).toBe(403);
    expect((await response.json()).error).toBe('secret-mismatch');
    expect(state.pulled).toBe(false);
  });

  test('the right password is accepted under any user name when no username is set', async () => {
    for (const user of ['postmark', 'anyone', '']) {
      expect(await statusOf({ password: 's3cret' }, { authorization: basic(user, 's3cret') })).toBe(
        200,
      );
    }
  });

  test('with username set, a wrong user name is 403 even with the right password', async () => {
    const options = { password: 's3cret', username: 'hooks' };
    expect(await statusOf(options, { authorization: basic('other', 's3cret') })).toBe(403);
    expect(await statusOf(options, { authorization: basic('hooks', 's3cret') })).toBe(200);
  });

  test('rotation: any password of the list is accepted, others refused', async () => {
    const options = { password: ['new-one', 'old-one'] };
    expect(await statusOf(options, { authorization: basic('u', 'new-one') })).toBe(200);
    expect(await statusOf(options, { authorization: basic('u', 'old-one') })).toBe(200);
    expect(await statusOf(options, { authorization: basic('u', 'older-one') })).toBe(403);
  });

  test('a bearer token sent to a Basic-only endpoint counts as no credentials (401)', async () => {
    expect(await statusOf({ password: 's3cret' }, { authorization: 'Bearer s3cret' })).toBe(401);
  });

  test('neither the refusal nor the logs carry the secret', async () => {
    const { handle, lines } = postmarkHandler({ password: 'top-secret-value' });
    const response = await handle(
      postmarkRequest(DELIVERY, { authorization: basic('u', 'top-secret-valu') }),
    );
    const text = await response.text();
    expect(response.status).toBe(403);
    expect(text).not.toContain('top-secret');
    expect(JSON.stringify(lines)).not.toContain('top-secret');
  });
});

describe('Postmark custom header', () => {
  const options = { header: 'X-Webhook-Secret', value: 'h3ader' };

  test('missing header: 401 without a Basic challenge', async () => {
    const response = await postmarkHandler(options).handle(postmarkRequest(DELIVERY, {}));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBeNull();
  });

  test("the answers never name the configured header; the refusal's log line does", async () => {
    const { handle, lines } = postmarkHandler(options);
    for (const headers of [{}, { 'x-webhook-secret': 'nope' }] as Record<string, string>[]) {
      const text = await (await handle(postmarkRequest(DELIVERY, headers))).text();
      expect(text).toContain('a custom header');
      expect(text.toLowerCase()).not.toContain('x-webhook-secret');
    }
    const refusals = lines.filter((l) => l.msg === 'request refused');
    expect(refusals.map((l) => [l.fields.reason, l.fields.header])).toEqual([
      ['credentials-required', 'X-Webhook-Secret'],
      ['secret-mismatch', 'X-Webhook-Secret'],
    ]);
  });

  test('wrong value: 403; right value: 200', async () => {
    expect(await statusOf(options, { 'x-webhook-secret': 'nope' })).toBe(403);
    expect(await statusOf(options, { 'x-webhook-secret': 'h3ader' })).toBe(200);
  });

  test('header names are case-insensitive', async () => {
    expect(await statusOf(options, { 'X-WEBHOOK-SECRET': 'h3ader' })).toBe(200);
  });
});

describe('Postmark bearer token', () => {
  const options = { token: 't0ken' };

  test('missing: 401 with a Bearer challenge; wrong: 403; right: 200', async () => {
    const response = await postmarkHandler(options).handle(postmarkRequest(DELIVERY, {}));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
    expect(await statusOf(options, { authorization: 'Bearer nope' })).toBe(403);
    expect(await statusOf(options, { authorization: 'Bearer t0ken' })).toBe(200);
  });
});

describe('Postmark with several kinds configured', () => {
  const options = { password: 's3cret', token: 't0ken', header: 'X-Webhook-Secret', value: 'h3' };

  test('one matching kind is enough', async () => {
    expect(await statusOf(options, { authorization: basic('u', 's3cret') })).toBe(200);
    expect(await statusOf(options, { authorization: 'Bearer t0ken' })).toBe(200);
    expect(await statusOf(options, { 'x-webhook-secret': 'h3' })).toBe(200);
    expect(
      await statusOf(options, { authorization: basic('u', 'wrong'), 'x-webhook-secret': 'h3' }),
    ).toBe(200);
  });

  test('sent but matching none is 403; none sent is 401 offering Basic and Bearer', async () => {
    expect(
      await statusOf(options, { authorization: 'Bearer nope', 'x-webhook-secret': 'nope' }),
    ).toBe(403);
    const response = await postmarkHandler(options).handle(postmarkRequest(DELIVERY, {}));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/Basic realm=.*Bearer realm=/);
  });
});

describe('postmark() settings', () => {
  test('refuses to start without any credential, naming postmark.password', () => {
    expect(() => postmark({})).toThrow(ConfigError);
    expect(() => postmark()).toThrow(/^postmark\.password:/);
  });

  test('header without value (and value without header) is refused', () => {
    expect(() => postmark({ header: 'X-Secret' })).toThrow(/^postmark\.value:/);
    expect(() => postmark({ value: 'v' })).toThrow(/^postmark\.header:/);
  });

  test('unknown keys and empty secrets are refused', () => {
    expect(() => postmark({ pasword: 'x' } as never)).toThrow(/postmark\.pasword.*password/);
    expect(() => postmark({ password: '' })).toThrow(/^postmark\.password:/);
    expect(() => postmark({ password: [] })).toThrow(/^postmark\.password:/);
  });

  test('verifySignature: false runs without credentials, and says so at start', async () => {
    const { handle, events, lines } = postmarkHandler({ verifySignature: false });
    const response = await handle(postmarkRequest(DELIVERY, {}));
    expect(response.status).toBe(200);
    expect(events).toHaveLength(1);
    expect(lines.some((l) => l.level === 'warn' && /OFF/.test(l.msg))).toBe(true);
  });

  test('a custom path moves the route', async () => {
    const { handle } = postmarkHandler({ password: 's3cret', path: 'pm-eu' });
    const request = new Request('https://h.example/webhooks/mail/pm-eu', {
      method: 'POST',
      body: DELIVERY,
      headers: { authorization: basic('u', 's3cret') },
    });
    expect((await handle(request)).status).toBe(200);
  });

  test('GET is 405', async () => {
    const { handle } = postmarkHandler();
    const response = await handle(
      new Request('https://h.example/webhooks/mail/postmark', { method: 'GET' }),
    );
    expect(response.status).toBe(405);
  });
});
