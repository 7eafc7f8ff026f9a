/** The shared HTTP suite against the Worker inside workerd, through its own fetch export. */
import { exports } from 'cloudflare:workers';
import { afterAll, beforeAll, vi } from 'vitest';
import { createSigner } from '../helpers/signing.js';
import { addHttpTests } from '../runtimes/http-suite.js';

const signer = await createSigner();
// The Worker downloads certificates with the global fetch (bound late): serve the test one.
const realFetch = globalThis.fetch;
// The Worker runs in this isolate: its JSON log lines (console.log) can be read here.
const logged: string[] = [];
beforeAll(() => {
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    logged.push(args.join(' '));
  });
  vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    return url === signer.certUrl ? signer.fetch(input, init) : realFetch(input, init);
  });
});
afterAll(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

addHttpTests({
  fetch: (path, init) => exports.default.fetch(new Request(`http://example.com${path}`, init)),
  signer,
  maxBodyBytes: 1_048_576,
  stdout: () => logged.join('\n'),
});
