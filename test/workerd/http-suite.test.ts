/** The shared HTTP suite against the Worker inside workerd, through its own fetch export. */
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, vi } from 'vitest';
import worker from '../../src/adapters/cloudflare.js';
import { createSigner } from '../helpers/signing.js';
import { addHttpTests, SUITE_ENV, SUITE_FANOUT_URL } from '../runtimes/http-suite.js';

const signer = await createSigner();
// The Worker downloads certificates and fans out with the global fetch (bound late): serve the
// test certificate.
const realFetch = globalThis.fetch;
// The Worker runs in this isolate: its JSON log lines (console.log) can be read here.
const logged: string[] = [];
beforeAll(() => {
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    logged.push(args.join(' '));
  });
  // Refusals are logged as warnings and errors: expected here, so kept off the console.
  vi.spyOn(console, 'debug').mockImplementation(() => {});
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  vi.spyOn(console, 'error').mockImplementation(() => {});
  vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    // The refused fan-out endpoint fails as a refused connection does, without workerd's network.
    if (url === SUITE_FANOUT_URL) return Promise.reject(new TypeError('connection refused'));
    return url === signer.certUrl ? signer.fetch(input, init) : realFetch(input, init);
  });
});
afterAll(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

// wrangler.toml's vars, the set-up probes' providers, plus the signer's topic: a verified Notification needs an allowed topic.
// One object for the whole suite, as Workers hand one env to every request of an isolate.
const suiteEnv = { ...env, ...SUITE_ENV, MAIL_WEBHOOK_SES_TOPIC_ARNS: signer.topicArn };

addHttpTests({
  fetch: async (path, init) =>
    worker.fetch(new Request(`http://example.com${path}`, init), suiteEnv),
  // Workers receive the Host header as the client sent it; the URL is built by the platform.
  fetchWithHost: async (path, host, init = {}) =>
    worker.fetch(
      new Request(`http://example.com${path}`, {
        ...init,
        headers: { ...init.headers, host },
      }),
      suiteEnv,
    ),
  signer,
  maxBodyBytes: 1_048_576,
  stdout: () => logged.join('\n'),
});
