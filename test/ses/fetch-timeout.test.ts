/**
 * `fetchTimeoutMs` (MAIL_WEBHOOK_FETCH_TIMEOUT_MS): the deadline of each fetch a provider makes
 * while SNS waits, a certificate download or a subscription confirmation. Past it: 503, so SNS
 * sends the message again.
 */
import { describe, expect, test } from 'vitest';
import { createHandlerFromEnv } from '../../src/from-env.js';
import { ConfigError, createMailWebhookHandler, ses } from '../../src/index.js';
import { memoryLogger, snsRequest } from '../helpers/envelope.js';
import { createSigner } from '../helpers/signing.js';

const never = () => new Promise<Response>(() => {});

async function setUp(fetchTimeoutMs?: number) {
  const signer = await createSigner();
  const { logger, lines } = memoryLogger();
  const handle = createMailWebhookHandler({
    providers: [ses({ topicArns: [signer.topicArn], autoConfirm: true })],
    sinks: [{ name: 'test', send: async () => {} }],
    logger,
    ...(fetchTimeoutMs === undefined ? {} : { fetchTimeoutMs }),
    // The certificate is served; the SubscribeURL never answers.
    fetch: (async (input: RequestInfo | URL) =>
      String(input) === signer.certUrl ? signer.fetch(input) : never()) as typeof fetch,
  });
  const refusal = () => lines.find((line) => line.msg === 'request refused')?.fields;
  return { signer, handle, refusal };
}

describe('fetchTimeoutMs', () => {
  test('a certificate download past it: 503 cert-unavailable, the log saying how long it waited', async () => {
    const signer = await createSigner();
    signer.fetch.outage = 'hang';
    const { logger, lines } = memoryLogger();
    const handle = createMailWebhookHandler({
      providers: [ses({ topicArns: [signer.topicArn] })],
      sinks: [{ name: 'test', send: async () => {} }],
      logger,
      fetch: signer.fetch,
      fetchTimeoutMs: 30,
    });
    const response = await handle(snsRequest(await signer.sign(signer.notification())));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'cert-unavailable' });
    expect(JSON.stringify(lines)).toContain('no answer within 30 ms');
  });

  test('a subscription confirmation past it: 503 confirm-failed, so SNS sends it again', async () => {
    const { signer, handle, refusal } = await setUp(30);
    const response = await handle(snsRequest(await signer.sign(signer.subscriptionConfirmation())));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'confirm-failed' });
    expect(refusal()).toMatchObject({
      reason: 'confirm-failed',
      problem: 'no answer within 30 ms',
    });
  });

  test('MAIL_WEBHOOK_FETCH_TIMEOUT_MS sets it from the environment', async () => {
    const signer = await createSigner();
    signer.fetch.outage = 'hang';
    const { logger, lines } = memoryLogger();
    const handle = createHandlerFromEnv(
      {
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_SES_TOPIC_ARNS: signer.topicArn,
        MAIL_WEBHOOK_FETCH_TIMEOUT_MS: '25',
      },
      { fetch: signer.fetch, logger },
    );
    const response = await handle(snsRequest(await signer.sign(signer.notification())));
    expect(response.status).toBe(503);
    expect(JSON.stringify(lines)).toContain('no answer within 25 ms');
  });

  test('a bad value stops start-up naming the option or the variable', () => {
    for (const fetchTimeoutMs of [0, -1, 1.5, Number.NaN]) {
      expect(() => createMailWebhookHandler({ fetchTimeoutMs })).toThrow(ConfigError);
      expect(() => createMailWebhookHandler({ fetchTimeoutMs })).toThrow(/fetchTimeoutMs/);
    }
    expect(() =>
      createHandlerFromEnv({ MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_FETCH_TIMEOUT_MS: 'soon' }),
    ).toThrow(/MAIL_WEBHOOK_FETCH_TIMEOUT_MS/);
  });

  test('a certificate whose headers come at once but whose body drips: 503 once the deadline passes, the stream cancelled', async () => {
    const signer = await createSigner();
    const { logger, lines } = memoryLogger();
    let cancelled = false;
    const handle = createMailWebhookHandler({
      providers: [ses({ topicArns: [signer.topicArn] })],
      sinks: [{ name: 'test', send: async () => {} }],
      logger,
      fetchTimeoutMs: 50,
      fetch: (async () =>
        new Response(
          new ReadableStream({
            async pull(controller) {
              await new Promise((resolve) => setTimeout(resolve, 5));
              controller.enqueue(Uint8Array.of(0x2d));
            },
            cancel() {
              cancelled = true;
            },
          }),
        )) as typeof fetch,
    });
    const response = await handle(snsRequest(await signer.sign(signer.notification())));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'cert-unavailable' });
    expect(lines.find((l) => l.msg === 'request refused')?.fields).toMatchObject({
      reason: 'cert-unavailable',
      problem: 'body not read within 50 ms',
    });
    expect(cancelled).toBe(true);
  });

  test('an endless certificate body is read no further than 64 KiB: 403 cert-invalid', async () => {
    const signer = await createSigner();
    let served = 0;
    const handle = createMailWebhookHandler({
      providers: [ses({ topicArns: [signer.topicArn] })],
      sinks: [{ name: 'test', send: async () => {} }],
      logger: memoryLogger().logger,
      fetch: (async () =>
        new Response(
          new ReadableStream({
            pull(controller) {
              served += 16_384;
              controller.enqueue(new Uint8Array(16_384).fill(0x41));
            },
          }),
        )) as typeof fetch,
    });
    const response = await handle(snsRequest(await signer.sign(signer.notification())));
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'cert-invalid' });
    expect(served).toBeLessThan(256 * 1024);
  });
});
