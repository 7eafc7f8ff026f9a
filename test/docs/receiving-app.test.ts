/**
 * docs/receiving.md's app, run as printed (its import pointed at the source): it drops a
 * redelivery by the id the receiver verified, whichever header names carried it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test, vi } from 'vitest';
import { importWebhookKey, signWebhook } from '../../src/sinks/webhook-signing.js';
import { encodeTrackingEvent } from '../../src/wire.js';
import { ROOT } from '../helpers/docs.js';
import { sampleContext } from '../sinks/samples.js';

const SECRET = `whsec_${btoa('receiving-app-secret-32-bytes!!!')}`;
const dir = mkdtempSync(join(tmpdir(), 'mailhooks-receiving-app-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The page's one ```ts block, as a module of its own. */
async function docsApp(): Promise<{ fetch(request: Request, env: object): Promise<Response> }> {
  const page = readFileSync(join(ROOT, 'docs/receiving.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(page)?.[1] ?? '';
  const file = join(dir, 'app.ts');
  writeFileSync(file, code.replace("'mailhooks/receiver'", `'${join(ROOT, 'src/receiver.ts')}'`));
  return (await import(file)).default;
}

/** A fan-out delivery of a permanent bounce, its headers under `prefix` (Svix's names or the spec's). */
async function delivery(prefix: 'webhook' | 'svix'): Promise<Request> {
  const body = JSON.stringify({
    type: 'email.bounced',
    timestamp: new Date().toISOString(),
    data: JSON.parse(encodeTrackingEvent(sampleContext())),
  });
  const seconds = Math.floor(Date.now() / 1000);
  const key = await importWebhookKey(SECRET);
  return new Request('http://app.test/hooks', {
    method: 'POST',
    body,
    headers: {
      [`${prefix}-id`]: 'msg_same-event',
      [`${prefix}-timestamp`]: String(seconds),
      [`${prefix}-signature`]: await signWebhook(key, 'msg_same-event', seconds, body),
    },
  });
}

test('a redelivery (or a replay) under the svix-* header names is dropped as one under webhook-*', async () => {
  const app = await docsApp();
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    const env = { MAILHOOKS_SECRET: SECRET };
    const answers = [
      (await app.fetch(await delivery('webhook'), env)).status,
      (await app.fetch(await delivery('svix'), env)).status,
      (await app.fetch(await delivery('webhook'), env)).status,
    ];
    expect(answers).toEqual([204, 204, 204]);
    // Acted on once: the receiver verified the same id each time.
    expect(log.mock.calls).toEqual([['suppress zoë@example.com (Permanent/General)']]);
  } finally {
    log.mockRestore();
  }
});
