import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, test } from 'vitest';
import { CLI_PROVIDERS } from '../../src/cli/samples/index';
import { TRACKING_EVENT_TYPES } from '../../src/events';
import { verifyTrackingWebhook, WebhookVerificationError } from '../../src/receiver';
import type { DecodedTrackingContext } from '../../src/wire';
import { cli } from './harness';

const SECRET = `whsec_${btoa('cli-trigger-receiver-secret-32b!')}`;
const URL_ = 'http://app.test/hooks/mail';

/** `mailhooks trigger <type> --to URL_ --secret SECRET ...flags`, posting through `handle`. */
const trigger = (type: string, flags: string[], handle?: Parameters<typeof cli>[1]) =>
  cli(['trigger', type, '--to', URL_, '--secret', SECRET, ...flags], handle);

/** The receiving app of docs/receiving.md: verify, dedupe by webhook-id, answer 204. */
function receiver(secret: string | string[] = SECRET) {
  const received: { id: string; context: DecodedTrackingContext }[] = [];
  const handle = async (request: Request) => {
    try {
      const context = await verifyTrackingWebhook(request, secret);
      received.push({ id: request.headers.get('webhook-id') ?? '', context });
      return new Response(null, { status: 204 });
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      return Response.json({ error: error.reason }, { status: 400 });
    }
  };
  return { handle, received };
}

describe('mailhooks trigger', () => {
  test.each(['bounced', 'delivered', 'complained', 'clicked', 'queued', 'unsubscribed', 'unknown'])(
    '%s reaches a verifyTrackingWebhook receiver as the normalized event',
    async (eventType) => {
      const app = receiver();
      const result = await trigger(
        eventType,
        ['--recipients', 'a@example.com,b@example.com'],
        app.handle,
      );
      expect(result.code).toBe(0);
      expect(result.out).toMatch(/^HTTP 204/);
      expect(app.received.map((r) => r.context.recipient)).toEqual([
        'a@example.com',
        'b@example.com',
      ]);
      for (const { id, context } of app.received) {
        expect(id).toMatch(/^msg_/);
        expect(context.eventType).toBe(eventType);
        expect(context.timestamp).toBeInstanceOf(Date);
        expect(context.rawEvent).toBeTypeOf('object');
      }
    },
  );

  test.each(TRACKING_EVENT_TYPES)(
    '%s: HMAC-SHA256 of {id}.{ts}.{body} under the key after whsec_, verified by verifyTrackingWebhook too',
    async (eventType) => {
      const posts: { headers: Headers; body: string }[] = [];
      const result = await trigger(
        eventType,
        ['--recipients', 'a@example.com,b@example.org'],
        async (request) => {
          posts.push({ headers: request.headers, body: await request.text() });
          return new Response(null, { status: 204 });
        },
      );
      expect(result.code).toBe(0);
      expect(`${result.out}${result.err}`).not.toContain(SECRET.slice('whsec_'.length));
      const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
      const recipients: string[] = [];
      for (const { headers, body } of posts) {
        const id = headers.get('webhook-id') ?? '';
        const timestamp = headers.get('webhook-timestamp') ?? '';
        const expected = createHmac('sha256', key)
          .update(`${id}.${timestamp}.${body}`)
          .digest('base64');
        expect(headers.get('webhook-signature')?.split(' ')).toContain(`v1,${expected}`);
        expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
        const payload = JSON.parse(body);
        expect(Object.keys(payload)).toEqual(['type', 'timestamp', 'data']);
        expect(payload.type).toBe(`email.${eventType}`);
        expect(payload.timestamp).toBe(payload.data.timestamp);
        const context = await verifyTrackingWebhook(
          new Request(URL_, { method: 'POST', headers, body }),
          SECRET,
        );
        expect(context.eventType).toBe(eventType);
        expect(context.timestamp).toBeInstanceOf(Date);
        recipients.push(context.recipient);
      }
      expect(recipients).toEqual(['a@example.com', 'b@example.org']);
      // One event, two recipients: two webhook-ids.
      expect(new Set(posts.map((p) => p.headers.get('webhook-id'))).size).toBe(2);
    },
  );

  test.each([
    ['bounced', 'ses'],
    ['clicked', 'ses'],
    ['queued', 'resend'],
  ])(
    '%s without --provider comes from the first provider with that sample, SES first: %s',
    async (eventType, espName) => {
      const app = receiver();
      const result = await trigger(eventType, [], app.handle);
      expect(result.code).toBe(0);
      expect(app.received.map((r) => r.context.espName)).toEqual([espName]);
    },
  );

  test('says on stderr what it posts, one line per recipient, the answers on stdout', async () => {
    const app = receiver();
    const result = await trigger(
      'bounced',
      ['--recipients', 'a@example.com,b@example.com'],
      app.handle,
    );
    expect(result.code).toBe(0);
    expect(result.err).toBe(
      `POST ${URL_}: email.bounced for a@example.com\nPOST ${URL_}: email.bounced for b@example.com`,
    );
    expect(result.out).toBe('HTTP 204\nHTTP 204');
  });

  test('without --secret: a usage error saying it is required, nothing sent', async () => {
    const app = receiver();
    const result = await cli(['trigger', 'bounced', '--to', URL_], app.handle);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^mailhooks trigger: --secret whsec_\.\.\. is required\n/);
    expect(app.received).toEqual([]);
  });

  test('--provider picks the ESP the event is normalized from', async () => {
    const app = receiver();
    const result = await cli(
      ['trigger', 'bounced', '--provider', 'mailgun', '--to', URL_, '--secret', SECRET],
      app.handle,
    );
    expect(result.code).toBe(0);
    expect(app.received[0]?.context.espName).toBe('mailgun');
  });

  test('--provider without a sample of that type is a usage error naming the providers that have one', async () => {
    const app = receiver();
    const result = await cli(
      ['trigger', 'unsubscribed', '--provider', 'resend', '--to', URL_, '--secret', SECRET],
      app.handle,
    );
    const having = CLI_PROVIDERS.filter((p) => Object.hasOwn(p.events, 'unsubscribed'));
    expect(result.code).toBe(2);
    expect(result.err).toMatch(
      new RegExp(
        `^mailhooks trigger: --provider resend has no "unsubscribed" sample; one of: ${having.map((p) => p.name).join(', ')}\n`,
      ),
    );
    expect(app.received).toEqual([]);
  });

  test.each(CLI_PROVIDERS.map((p) => [p.name, Object.keys(p.events)[0] ?? ''] as const))(
    '--provider %s normalizes its own %s sample',
    async (name, eventType) => {
      const app = receiver();
      const result = await cli(
        ['trigger', eventType, '--provider', name, '--to', URL_, '--secret', SECRET],
        app.handle,
      );
      expect(result.code).toBe(0);
      expect(app.received.map((r) => [r.context.espName, r.context.eventType])).toEqual([
        [name, eventType],
      ]);
    },
  );

  test('verifies with the standardwebhooks package, body shaped as the fan-out sends it', async () => {
    const posts: { headers: Record<string, string>; body: string }[] = [];
    const result = await trigger('complained', [], async (request) => {
      posts.push({ headers: Object.fromEntries(request.headers), body: await request.text() });
      return new Response('thanks', { status: 200 });
    });
    expect(result.code).toBe(0);
    expect(result.out).toBe('HTTP 200\nthanks');
    const [post] = posts;
    const payload = new Webhook(SECRET).verify(post?.body ?? '', post?.headers ?? {}) as Record<
      string,
      unknown
    >;
    expect(Object.keys(payload)).toEqual(['type', 'timestamp', 'data']);
    expect(payload.type).toBe('email.complained');
    expect((payload.data as { timestamp: string }).timestamp).toBe(payload.timestamp);
    expect((payload.data as { rejectCategory: string }).rejectCategory).toBe('spam');
  });

  test('a receiver with another secret refuses it: exit code 1, its answer printed', async () => {
    const app = receiver(`whsec_${btoa('some-other-secret-thirty-two-b!!')}`);
    const result = await trigger('bounced', [], app.handle);
    expect(result.code).toBe(1);
    expect(result.out).toBe('HTTP 400\n{"error":"signature-invalid"}');
  });

  test('an app that redirects (http:// moved to https://): exit code 1, where it points, not followed', async () => {
    const requests: Request[] = [];
    const result = await trigger('bounced', [], (request) => {
      requests.push(request);
      return new Response(null, {
        status: 301,
        headers: { location: 'https://app.test/hooks/mail?token=hidden' },
      });
    });
    expect(result.code).toBe(1);
    expect(result.out).toBe(
      'HTTP 301\nredirected to https://app.test/hooks/mail, not followed: post to it with --to',
    );
    expect(requests.map((request) => [request.method, request.url])).toEqual([['POST', URL_]]);
  });

  test('a relative Location is said as the URL it resolves to against --to', async () => {
    const result = await trigger(
      'bounced',
      [],
      () => new Response(null, { status: 308, headers: { location: '/moved/mail?token=hidden' } }),
    );
    expect({ code: result.code, out: result.out }).toEqual({
      code: 1,
      out: `HTTP 308\nredirected to ${new URL(URL_).origin}/moved/mail, not followed: post to it with --to`,
    });
  });

  test('--help and an unknown type list the event types in the order of TRACKING_EVENT_TYPES', async () => {
    const help = await cli(['trigger', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain(`Event types: ${TRACKING_EVENT_TYPES.join(', ')}\n`);
    const unknown = await trigger('bouncd', []);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('bounced');
  });

  test('--to with user:password@ is a usage error that never prints them', async () => {
    const result = await cli([
      'trigger',
      'bounced',
      '--to',
      'http://u:pw-secret@app.test/hooks?tok=SECRET',
      '--secret',
      SECRET,
    ]);
    expect(result.code).toBe(2);
    expect(result.err).toContain('--to must not carry credentials');
    expect(result.err).not.toMatch(/pw-secret|SECRET/);
  });

  test('a query on --to is a usage error naming the rule, never the query, and nothing is sent', async () => {
    let sent = false;
    const result = await cli(
      ['trigger', 'bounced', '--to', 'http://app.test/hooks?tok=QUERY-TOKEN', '--secret', SECRET],
      () => {
        sent = true;
        return new Response(null, { status: 204 });
      },
    );
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/--to: must not carry a query string/);
    expect(`${result.out}${result.err}`).not.toContain('QUERY-TOKEN');
    expect(sent).toBe(false);
  });

  test('an unreachable receiver is exit code 1, with the error and its cause worded as send words them', async () => {
    const result = await trigger('bounced', [], () => {
      throw new TypeError('fetch failed', {
        cause: new Error('connect ECONNREFUSED 127.0.0.1:9'),
      });
    });
    expect(result.code).toBe(1);
    expect(result.err).toContain(
      'could not reach http://app.test/hooks/mail: TypeError: fetch failed (Error: connect ECONNREFUSED 127.0.0.1:9)',
    );
  });
});
