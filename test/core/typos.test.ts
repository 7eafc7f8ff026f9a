/** A misspelt option anywhere is refused by name: it must never silently turn a check off. */
import { describe, expect, test } from 'vitest';
import { ConfigError, createFanoutSink, createQueueSink, defineProvider } from '../../src/index.js';

const SECRET = `whsec_${btoa('0123456789abcdef0123456789abcdef')}`;

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('misspelt options', () => {
  test('defineProvider refuses `authenticat`, which would leave the route unauthenticated', () => {
    const error = configError(() =>
      defineProvider({
        name: 'acme-mail',
        authenticat: () => undefined,
        handle: () => ({ events: [] }),
      } as never),
    );
    expect(error.setting).toBe('defineProvider.authenticat');
    expect(error.message).toContain('did you mean authenticate?');
  });

  test('createFanoutSink refuses an endpoint `event` key, which would send it every event type', () => {
    const error = configError(() =>
      createFanoutSink({
        endpoints: [{ url: 'https://hooks.example/mail', secret: SECRET, event: ['bounced'] }],
      } as never),
    );
    expect(error.setting).toBe('endpoints.0.event');
    expect(error.message).toContain('did you mean events?');
  });

  test('createFanoutSink refuses `timeoutMS`', () => {
    const error = configError(() =>
      createFanoutSink({
        endpoints: [{ url: 'https://hooks.example/mail', secret: SECRET }],
        timeoutMS: 100,
      } as never),
    );
    expect(error.setting).toBe('timeoutMS');
    expect(error.message).toContain('did you mean timeoutMs?');
  });

  test('createQueueSink refuses `maxBatchMessage`', () => {
    const queue = { sendBatch: async () => {} };
    const error = configError(() => createQueueSink(queue, { maxBatchMessage: 5 } as never));
    expect(error.setting).toBe('maxBatchMessage');
    expect(error.message).toContain('did you mean maxBatchMessages?');
  });
});

describe('what a typo is taken for', () => {
  test('a dropped word still finds its option: maxAge, allowAny, rawDelivery, verify, maxBody, base, path', async () => {
    const { createMailWebhookHandler, ses } = await import('../../src/index.js');
    const sesCases: [string, string][] = [
      ['maxAge', 'maxAgeSeconds'],
      ['allowAny', 'allowAnyTopic'],
      ['rawDelivery', 'allowRawDelivery'],
      ['verify', 'verifySignature'],
      ['arns', 'topicArns'],
    ];
    for (const [typo, meant] of sesCases) {
      const error = configError(() => ses({ [typo]: true } as never));
      expect(error.message).toBe(`ses.${typo}: unknown option; did you mean ${meant}?`);
    }
    const topCases: [string, string][] = [
      ['maxBody', 'maxBodyBytes'],
      ['maxBytes', 'maxBodyBytes'],
      ['base', 'basePath'],
      ['path', 'basePath'],
      ['deliveryTimeout', 'deliveryTimeoutMs'],
    ];
    for (const [typo, meant] of topCases) {
      const error = configError(() => createMailWebhookHandler({ [typo]: 1 } as never));
      expect(error.message).toBe(`${typo}: unknown option; did you mean ${meant}?`);
    }
  });

  test('two letters swapped in a short name are one edit: nwo, prot, sse, MAIL_WEBHOOK_BD', async () => {
    const { createMailWebhookHandler } = await import('../../src/index.js');
    const { _settings } = await import('../../src/adapters/_server.js');
    const { optionsFromEnv, unknownVariables } = await import('../../src/env/index.js');
    expect(
      configError(() => createMailWebhookHandler({ nwo: () => new Date() } as never)).message,
    ).toBe('nwo: unknown option; did you mean now?');
    expect(configError(() => _settings({ prot: 8080 } as never, {})).message).toBe(
      'prot: unknown option; did you mean port?',
    );
    // ses, one swap away, not ses-eventbridge, which holds the letters in order.
    expect(configError(() => optionsFromEnv({ MAIL_WEBHOOK_PROVIDERS: 'sse' })).message).toContain(
      'unknown provider "sse"; did you mean ses?',
    );
    expect(unknownVariables({ MAIL_WEBHOOK_BD: 'x' })).toEqual([
      { name: 'MAIL_WEBHOOK_BD', closest: 'MAIL_WEBHOOK_DB' },
    ]);
  });

  test('a short name nothing resembles gets the list, not a far-fetched guess: port, host, db', async () => {
    // A server's port and host, or a database for the store, passed to the handler: 4 letters or
    // fewer take one edit (port is 3 from store), and 2 letters are no word held in another (db
    // is in maxBodyBytes).
    const { createMailWebhookHandler } = await import('../../src/index.js');
    for (const key of ['port', 'host', 'db']) {
      const error = configError(() => createMailWebhookHandler({ [key]: 1 } as never));
      expect(error.setting).toBe(key);
      expect(error.message).toMatch(
        new RegExp(`^${key}: unknown option; known options: basePath, enabled, `),
      );
    }
  });

  test('an SES setting passed at the top level says where it lives now', async () => {
    const { createMailWebhookHandler } = await import('../../src/index.js');
    for (const key of ['secret', 'topicArns', 'autoConfirm', 'allowAnyTopic', 'maxAgeSeconds']) {
      const error = configError(() => createMailWebhookHandler({ [key]: 'x' } as never));
      expect(error.setting).toBe(key);
      expect(error.message).toContain(`providers: [ses({ ${key}: ... })]`);
    }
  });
});
