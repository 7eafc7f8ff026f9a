// Blind tests, third pass: bounds' edges, deadlines from variables, fan-out id stability.
import { describe, expect, it } from 'vitest';
import { createHandlerFromEnv } from '../../src/env/index.js';
import {
  ConfigError,
  createFanoutSink,
  createMailWebhookHandler,
  type EmailTrackingContext,
  EmailTrackingEvent,
  EventBus,
  type Sink,
} from '../../src/index.js';
import { verifyTrackingWebhook } from '../../src/receiver.js';
import {
  baseOptions,
  context,
  recordingLogger,
  SECRET_A,
  SECRET_B,
  sesBounce,
  silent,
  snsRequest,
} from './delivery-helpers.js';

const ctx = (overrides: Partial<EmailTrackingContext> = {}) =>
  context({
    eventType: 'clicked',
    espName: 'ses',
    clickUrl: 'https://example.com/a',
    ...overrides,
  });

describe('maxBodyBytes boundary', () => {
  it('a body of exactly maxBodyBytes is read; one byte more is 413', async () => {
    const request = snsRequest(sesBounce({ recipients: ['a@example.com'] }));
    const text = await request.clone().text();
    const size = new TextEncoder().encode(text).length;
    const at = createMailWebhookHandler(
      baseOptions({ maxBodyBytes: size, sinks: [new EventBus()] }),
    );
    expect((await at(request.clone())).status).toBe(200);
    const under = createMailWebhookHandler(
      baseOptions({ maxBodyBytes: size - 1, sinks: [new EventBus()] }),
    );
    expect((await under(request.clone())).status).toBe(413);
  });
});

describe('deadlines from variables', () => {
  const base = { MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false' };
  it.each([
    ['MAIL_WEBHOOK_BODY_TIMEOUT_MS', '0'],
    ['MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS', 'ten'],
    ['MAIL_WEBHOOK_LISTENER_TIMEOUT_MS', '-5'],
    ['MAIL_WEBHOOK_MAX_BODY_BYTES', '1.5'],
  ])('%s=%s stops start-up naming the variable', (name, value) => {
    let thrown: unknown;
    try {
      createHandlerFromEnv({ ...base, [name]: value }, { logger: silent });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toContain(name);
  });

  it('MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS bounds the sinks', async () => {
    const handle = createHandlerFromEnv(
      {
        ...base,
        MAIL_WEBHOOK_LISTENER_TIMEOUT_MS: '40',
        MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS: '600000',
      },
      { logger: silent },
    );
    const off = EventBus.subscribe(EmailTrackingEvent, {
      name: 'neverEnds',
      handle: () => new Promise(() => {}),
    } as never);
    try {
      const response = await handle(snsRequest(sesBounce({ recipients: ['a@example.com'] })));
      expect(response.status).toBe(503);
      const body = (await response.json()) as { error: string; message: string };
      expect(body.error).toBe('listener-timeout');
      expect(body.message).toContain('neverEnds');
    } finally {
      off();
    }
  });

  it('a fan-out endpoint with credentials in MAIL_WEBHOOK_FANOUT_ENDPOINTS names the variable, not the password', () => {
    let thrown: unknown;
    try {
      createHandlerFromEnv(
        {
          ...base,
          MAIL_WEBHOOK_SINKS: 'fanout',
          MAIL_WEBHOOK_FANOUT_ENDPOINTS: JSON.stringify([
            {
              url: 'https://u:hunter2pw@crm.example.com/h',
              secret: 'env:MAIL_WEBHOOK_FANOUT_SECRET_CRM',
            },
          ]),
          MAIL_WEBHOOK_FANOUT_SECRET_CRM: SECRET_A,
        },
        { logger: silent },
      );
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toContain('MAIL_WEBHOOK_FANOUT_ENDPOINTS');
    expect((thrown as Error).message).not.toContain('hunter2pw');
  });
});

describe('fan-out ids and receivers', () => {
  it('webhook-id is the same from two fan-out instances with different secrets (a queue retry in a new isolate)', async () => {
    const ids: string[] = [];
    for (const secret of [SECRET_A, SECRET_B]) {
      const sink = createFanoutSink({
        endpoints: [{ url: 'https://a.example.com/h', secret }],
        fetch: (async (_u: RequestInfo | URL, init?: RequestInit) => {
          ids.push(new Headers(init?.headers).get('webhook-id') as string);
          return new Response(null, { status: 200 });
        }) as typeof fetch,
      });
      await sink.send([ctx()]);
    }
    expect(ids[0]).toBe(ids[1]);
  });

  it('webhook-id is the same for every endpoint of one (eventId, recipient, eventType)', async () => {
    const ids: string[] = [];
    const sink = createFanoutSink({
      endpoints: [
        { url: 'https://a.example.com/h', secret: SECRET_A },
        { url: 'https://b.example.com/h', secret: SECRET_B },
      ],
      fetch: (async (_u: RequestInfo | URL, init?: RequestInit) => {
        ids.push(new Headers(init?.headers).get('webhook-id') as string);
        return new Response(null, { status: 200 });
      }) as typeof fetch,
    });
    await sink.send([ctx()]);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
  });

  it('what the fan-out sends through the handler verifies at the receiver, for each recipient', async () => {
    const requests: Request[] = [];
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://a.example.com/h', secret: SECRET_A }],
      fetch: (async (u: RequestInfo | URL, init?: RequestInit) => {
        const r = new Request(u, init);
        requests.push(
          new Request(r.url, { method: 'POST', headers: r.headers, body: await r.text() }),
        );
        return new Response(null, { status: 200 });
      }) as typeof fetch,
    });
    const handle = createMailWebhookHandler(baseOptions({ sinks: [sink] }));
    const response = await handle(
      snsRequest(sesBounce({ recipients: ['a@example.com', 'b@example.com'] }), 'sns-x'),
    );
    expect(await response.json()).toEqual({ ok: true, events: 2 });
    const got = await Promise.all(requests.map((r) => verifyTrackingWebhook(r, SECRET_A)));
    expect(got.map((c) => c.recipient).sort()).toEqual(['a@example.com', 'b@example.com']);
    expect(
      got.every((c) => c.eventId === 'sns-x' && c.eventType === 'bounced' && c.permanent === true),
    ).toBe(true);
    expect(got[0]?.rawEvent).toMatchObject({ eventType: 'Bounce' });
  });
});

describe('log lines', () => {
  it('one event line per context the sinks took, none on 503', async () => {
    const { lines, logger } = recordingLogger();
    const ok: Sink = { name: 'ok', send: async () => {} };
    const handle = createMailWebhookHandler(baseOptions({ sinks: [ok], logger }));
    await handle(snsRequest(sesBounce({ recipients: ['a@example.com', 'b@example.com'] })));
    const events = lines.filter((l) => l.message === 'event');
    expect(events.map((l) => l.fields.recipient)).toEqual(['a@example.com', 'b@example.com']);
    expect(events[0]?.level).toBe('info');
    expect(events[0]?.fields).toMatchObject({ eventType: 'bounced', esp: 'ses' });
  });
});
