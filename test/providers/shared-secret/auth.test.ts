/** Brevo, Mailjet and SparkPost sign nothing: each is guarded by the shared-secret settings, checked before the body. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  brevo,
  ConfigError,
  createMailWebhookHandler,
  mailjet,
  type Provider,
  sparkpost,
} from '../../../src/index.js';
import { memoryLogger } from '../../helpers/envelope.js';
import { basic, harness, routeOf } from '../../helpers/provider-harness.js';
import { watchedBody } from '../postmark/helpers.js';

const fixture = (path: string) =>
  readFileSync(new URL(`../../fixtures/esps/${path}`, import.meta.url), 'utf8');

interface Esp {
  readonly name: string;
  readonly create: (options?: Parameters<typeof brevo>[0]) => Provider;
  readonly body: string;
}

const ESPS: Esp[] = [
  { name: 'brevo', create: brevo, body: fixture('brevo/symfony_delivered.json') },
  { name: 'mailjet', create: mailjet, body: fixture('mailjet/anymail_sent_event.json') },
  { name: 'sparkpost', create: sparkpost, body: fixture('sparkpost/anymail_delivery_event.json') },
];

for (const { name, create, body } of ESPS) {
  const status = async (options: Parameters<typeof brevo>[0], headers: Record<string, string>) =>
    (await harness(create(options)).post(body, headers)).status;

  describe(`${name}: shared secret`, () => {
    test('no credentials: 401 with a Basic challenge, and the body is never read', async () => {
      const { handle, events } = harness(create({ password: 's3cret' }));
      const { stream, state } = watchedBody(body);
      const response = await handle(
        new Request(routeOf(name), { method: 'POST', body: stream, duplex: 'half' } as RequestInit),
      );
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm="[^"]+"/);
      expect((await response.json()).error).toBe('credentials-required');
      expect(state.pulled).toBe(false);
      expect(events).toEqual([]);
    });

    test('a wrong password is 403 secret-mismatch; the right one, any user name, 200', async () => {
      expect(await status({ password: 's3cret' }, { authorization: basic(name, 'nope') })).toBe(
        403,
      );
      for (const user of [name, 'anyone', '']) {
        expect(await status({ password: 's3cret' }, { authorization: basic(user, 's3cret') })).toBe(
          200,
        );
      }
    });

    test('username pins the Basic user name', async () => {
      const options = { password: 's3cret', username: 'hooks' };
      expect(await status(options, { authorization: basic('other', 's3cret') })).toBe(403);
      expect(await status(options, { authorization: basic('hooks', 's3cret') })).toBe(200);
    });

    test('rotation: any password of the list', async () => {
      const options = { password: ['new', 'old'] };
      expect(await status(options, { authorization: basic('u', 'old') })).toBe(200);
      expect(await status(options, { authorization: basic('u', 'older') })).toBe(403);
    });

    test('rotation: any token, and any header value, of the list', async () => {
      const tokens = { token: ['t-new', 't-old'] };
      expect(await status(tokens, { authorization: 'Bearer t-old' })).toBe(200);
      expect(await status(tokens, { authorization: 'Bearer t-new' })).toBe(200);
      expect(await status(tokens, { authorization: 'Bearer t-older' })).toBe(403);
      const values = { header: 'X-Webhook-Secret', value: ['v-new', 'v-old'] };
      expect(await status(values, { 'x-webhook-secret': 'v-old' })).toBe(200);
      expect(await status(values, { 'x-webhook-secret': 'v-older' })).toBe(403);
    });

    test('a bearer token: 401 with a Bearer challenge when missing, 403 wrong, 200 right', async () => {
      const { post } = harness(create({ token: 't0ken' }));
      const { handle } = harness(create({ token: 't0ken' }));
      const none = await handle(new Request(routeOf(name), { method: 'POST', body }));
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
      expect((await post(body, { authorization: 'Bearer nope' })).status).toBe(403);
      expect((await post(body, { authorization: 'Bearer t0ken' })).status).toBe(200);
    });

    test('a custom header: 401 missing (no challenge), 403 wrong, 200 right', async () => {
      const options = { header: 'X-Webhook-Secret', value: 'hv' };
      const { handle } = harness(create(options));
      const none = await handle(new Request(routeOf(name), { method: 'POST', body }));
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBeNull();
      expect(await status(options, { 'x-webhook-secret': 'no' })).toBe(403);
      expect(await status(options, { 'X-WEBHOOK-SECRET': 'hv' })).toBe(200);
    });

    test('neither the refusal nor the logs carry the secret', async () => {
      const { post, lines } = harness(create({ password: 'top-secret-value' }));
      const answer = await post(body, { authorization: basic('u', 'top-secret-valu') });
      expect(answer.status).toBe(403);
      expect(JSON.stringify(answer.body)).not.toContain('top-secret');
      expect(JSON.stringify(lines)).not.toContain('top-secret');
    });

    test(`${name}() refuses to start without a credential, naming ${name}.password`, () => {
      expect(() => create({})).toThrow(ConfigError);
      expect(() => create()).toThrow(new RegExp(`^${name}\\.password: is required`));
      expect(() => create({ header: 'X-Secret' })).toThrow(new RegExp(`^${name}\\.value:`));
      expect(() => create({ pasword: 'x' } as never)).toThrow(
        new RegExp(`${name}\\.pasword.*password`),
      );
      expect(() => create({ password: '' })).toThrow(new RegExp(`^${name}\\.password:`));
    });

    test('verifySignature: false runs without credentials and warns at start', async () => {
      const { post, events, warnings } = harness(create({ verifySignature: false }));
      expect((await post(body)).status).toBe(200);
      expect(events.length).toBeGreaterThan(0);
      expect(warnings().some((l) => /credential check is OFF/.test(l.msg))).toBe(true);
    });

    test('path mounts the ESP elsewhere; GET is 405', async () => {
      const { logger } = memoryLogger();
      const handle = createMailWebhookHandler({
        providers: [create({ password: 'pw', path: `${name}-eu` })],
        logger,
      });
      const headers = { authorization: basic('u', 'pw') };
      const moved = await handle(
        new Request(routeOf(`${name}-eu`), { method: 'POST', body, headers }),
      );
      expect(moved.status).toBe(200);
      const get = await handle(new Request(routeOf(`${name}-eu`), { headers }));
      expect(get.status).toBe(405);
    });
  });
}
