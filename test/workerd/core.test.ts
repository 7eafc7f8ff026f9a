import { exports } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import {
  createMailWebhookHandler,
  type EmailTrackingContext,
  EmailTrackingEvent,
  EventBus,
  ses,
} from '../../src/index.js';
import { silentLogger } from '../../src/log.js';
import click from '../fixtures/ses/event-publishing-click.json' with { type: 'json' };
import bounce from '../fixtures/ses/notification-bounce-no-dsn.json' with { type: 'json' };
import { envelope, snsRequest } from '../helpers/envelope.js';

describe('the core inside workerd', () => {
  test('a bus with five thousand listeners that call next at once delivers to every one', async () => {
    const bus = new EventBus();
    let calls = 0;
    for (let i = 0; i < 5_000; i++) {
      bus.subscribe(EmailTrackingEvent, (context, next) => {
        calls++;
        return next(context);
      });
    }
    const handle = createMailWebhookHandler({
      sinks: [bus],
      logger: silentLogger,
      providers: [ses({ verifySignature: false })],
    });
    const response = await handle(snsRequest(envelope(click, { messageId: 'many-1' })));
    expect(response.status).toBe(200);
    expect(calls).toBe(5_000);
  });

  test('parses SES events into per-recipient contexts', async () => {
    const bus = new EventBus();
    const received: EmailTrackingContext[] = [];
    bus.subscribe(EmailTrackingEvent, (context) => {
      received.push(context);
    });
    const handle = createMailWebhookHandler({
      sinks: [bus],
      logger: silentLogger,
      providers: [ses({ verifySignature: false })],
    });
    const first = await handle(snsRequest(envelope(bounce, { messageId: 'b-1' })));
    const second = await handle(snsRequest(envelope(click, { messageId: 'c-1' })));
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(received.map((c) => [c.eventType, c.recipient, c.eventId])).toEqual([
      ['bounced', 'jane@example.com', 'b-1'],
      ['bounced', 'richard@example.com', 'b-1'],
      ['clicked', 'recipient@example.com', 'c-1'],
    ]);
  });

  test('a 50 MB streamed body gets 413 without being read whole', async () => {
    const handle = createMailWebhookHandler({ logger: silentLogger });
    const chunk = new Uint8Array(64 * 1024);
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 800) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const response = await handle(
      new Request('http://localhost/webhooks/mail/ses', { method: 'POST', body }),
    );
    expect(response.status).toBe(413);
    expect(pulled).toBeLessThan(25);
  });
});

describe('the Worker', () => {
  // The Worker logs each refusal as a JSON line: expected here, so captured, not printed.
  const logged: string[] = [];
  beforeAll(() => {
    for (const level of ['log', 'warn', 'error'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        logged.push(args.join(' '));
      });
    }
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });

  test('answers 404 off its routes and 405 for GET on the SES route', async () => {
    expect((await exports.default.fetch('http://example.com/nope')).status).toBe(404);
    expect(logged.some((line) => line.includes('"status":404') && line.includes('/nope'))).toBe(
      true,
    );
    expect((await exports.default.fetch('http://example.com/webhooks/mail/ses')).status).toBe(405);
  });

  test('verifies signatures by default: an unsigned envelope is refused with 403', async () => {
    const response = await exports.default.fetch(snsRequest(envelope(bounce)));
    expect(response.status).toBe(403);
  });
});

describe('configuration errors inside workerd', () => {
  test('endpoints that are not JSON: the error never quotes the text (workerd V8 would)', async () => {
    const { sinksFromEnv } = await import('../../src/sinks/env.js');
    const secret = `whsec_${btoa('an-env-secret-key-of-32-bytes!!!')}`;
    const raw = `[{"url": "https://a.example", "secret": ${secret}}]`;
    let message = '';
    try {
      sinksFromEnv(
        { MAIL_WEBHOOK_SINKS: 'fanout', MAIL_WEBHOOK_FANOUT_ENDPOINTS: raw },
        { fetch, logger: silentLogger },
      );
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^MAIL_WEBHOOK_FANOUT_ENDPOINTS: is not valid JSON/);
    expect(message).not.toContain('whsec_');
  });
});
