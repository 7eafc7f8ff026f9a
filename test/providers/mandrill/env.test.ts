/** mandrill from MAIL_WEBHOOK_* variables, through createHandlerFromEnv. */
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { createHandlerFromEnv } from '../../../src/from-env.js';
import * as entry from '../../../src/index.js';
import { mandrill, mandrillProvider } from '../../../src/providers/mandrill/index.js';
import { BUILTIN_PROVIDERS } from '../../../src/providers/registry.js';
import { memoryLogger } from '../../helpers/envelope.js';
import { KEY, mandrillRequest, OTHER_KEY, PUBLIC_URL, URL_LOCAL } from './helpers.js';

const BASE = { MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_PROVIDERS: 'mandrill' };
const BATCH = [{ event: 'send', _id: 'm1', ts: 1700000000, msg: { email: 'a@example.com' } }];

function fromEnv(env: Record<string, string>) {
  const { logger, lines } = memoryLogger();
  return { handle: createHandlerFromEnv({ ...BASE, ...env }, { logger }), lines };
}

describe('mandrill from MAIL_WEBHOOK_* variables', () => {
  test('mandrill is exported from the package entry and listed in the registry', () => {
    expect(entry.mandrill).toBe(mandrill);
    expect(BUILTIN_PROVIDERS).toContain(mandrillProvider);
  });

  test('MAIL_WEBHOOK_MANDRILL_WEBHOOK_KEY (+ _PREVIOUS) and _URL verify', async () => {
    const { handle, lines } = fromEnv({
      MAIL_WEBHOOK_MANDRILL_WEBHOOK_KEY: KEY,
      MAIL_WEBHOOK_MANDRILL_WEBHOOK_KEY_PREVIOUS: OTHER_KEY,
      MAIL_WEBHOOK_MANDRILL_URL: PUBLIC_URL,
    });
    for (const key of [KEY, OTHER_KEY]) {
      const response = await handle(await mandrillRequest(BATCH, { key }));
      expect([response.status, await response.json()]).toEqual([200, { ok: true, events: 1 }]);
    }
    const head = await handle(new Request(URL_LOCAL, { method: 'HEAD' }));
    expect(head.status).toBe(200);
    expect((await handle(await mandrillRequest(BATCH, { key: 'x' }))).status).toBe(403);
    expect(lines.filter((l) => l.msg.includes('unknown variable'))).toEqual([]);
    expect(JSON.stringify(lines)).not.toContain(KEY);
  });

  test('a missing key or URL stops start-up, naming the variable', () => {
    const noKey = () => fromEnv({ MAIL_WEBHOOK_MANDRILL_URL: PUBLIC_URL });
    expect(noKey).toThrow(ConfigError);
    expect(noKey).toThrow(/^MAIL_WEBHOOK_MANDRILL_WEBHOOK_KEY:/);
    expect(() => fromEnv({ MAIL_WEBHOOK_MANDRILL_WEBHOOK_KEY: KEY })).toThrow(
      /^MAIL_WEBHOOK_MANDRILL_URL:/,
    );
  });

  test.each([
    `${PUBLIC_URL}\n`,
    ` ${PUBLIC_URL}`,
    `${PUBLIC_URL} `,
    'https://hooks.example.com/a b',
  ])(
    'a URL with whitespace (%j), which Mandrill never signs, names MAIL_WEBHOOK_MANDRILL_URL',
    (url) => {
      const start = () =>
        fromEnv({ MAIL_WEBHOOK_MANDRILL_WEBHOOK_KEY: KEY, MAIL_WEBHOOK_MANDRILL_URL: url });
      expect(start).toThrow(/^MAIL_WEBHOOK_MANDRILL_URL:/);
      expect(() => mandrill({ webhookKey: KEY, url })).toThrow(/^mandrill\.url:/);
    },
  );

  test('MAIL_WEBHOOK_MANDRILL_VERIFY_SIGNATURE=false needs neither', async () => {
    const { handle } = fromEnv({ MAIL_WEBHOOK_MANDRILL_VERIFY_SIGNATURE: 'false' });
    expect((await handle(await mandrillRequest(BATCH, { signature: null }))).status).toBe(200);
  });
});
