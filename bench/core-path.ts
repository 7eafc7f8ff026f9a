/**
 * The request path alone, in process: `mailhooks/node`'s handler on the README's SES bounce (two
 * recipients, verification off, the event lines built as the console logger builds them), fed
 * from a stand-in for Node's request, so no socket, HTTP parser or undici `Request` is timed. Its
 * mean moves by about 3% between runs, where the HTTP figures move by 30%: run it before and
 * after a change to the handler, a provider's parse, the event lines or delivery.
 * `npx esbuild bench/core-path.ts --bundle --platform=node --format=esm --outfile=/tmp/core-path.mjs && node --max-semi-space-size=1 --single-threaded-gc /tmp/core-path.mjs`
 */
import type { IncomingMessage } from 'node:http';
import bounce from '../examples/sns-bounce.json' with { type: 'json' };
import { createMailWebhookHandler, toRequest } from '../src/adapters/node.js';
import { EventBus, ses } from '../src/index.js';
import { createJsonLogger } from '../src/log.js';

const body = Buffer.from(JSON.stringify(bounce));
const rawHeaders = [
  ...['host', '127.0.0.1:8787', 'content-type', 'text/plain; charset=UTF-8'],
  ...['content-length', String(body.byteLength), 'x-amz-sns-message-type', 'Notification'],
  ...['x-amz-sns-message-id', bounce.MessageId, 'user-agent', 'Amazon SNS Agent'],
];

let lastLine = '';
const handler = createMailWebhookHandler({
  sinks: [new EventBus()],
  logger: createJsonLogger((_level, line) => {
    lastLine = line;
  }),
  providers: [ses({ verifySignature: false })],
});

type Listener = (...args: unknown[]) => void;

/** What the bridge reads of a Node request whose body has arrived whole: it comes on the next microtask. */
function _request(): IncomingMessage {
  const listeners = new Map<string, Listener[]>();
  const add = (event: string, listener: Listener) => {
    listeners.set(event, [...(listeners.get(event) ?? []), listener]);
    return request;
  };
  const request = {
    method: 'POST',
    url: '/webhooks/mail/ses',
    headers: { host: '127.0.0.1:8787' },
    rawHeaders,
    socket: {},
    complete: true,
    destroyed: false,
    readableEnded: false,
    on(event: string, listener: Listener) {
      if (event === 'data') {
        queueMicrotask(() => {
          for (const data of listeners.get('data') ?? []) data(body);
          for (const end of listeners.get('end') ?? []) end();
        });
      }
      return add(event, listener);
    },
    once: add,
    off(event: string, listener: Listener) {
      listeners.set(
        event,
        (listeners.get(event) ?? []).filter((l) => l !== listener),
      );
      return request;
    },
  };
  return request as unknown as IncomingMessage;
}

async function _run(count: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const response = await handler(toRequest(_request()));
    if (response.status !== 200)
      throw new Error(`status ${response.status}: ${await response.text()}`);
  }
  return ((performance.now() - start) / count) * 1000;
}

await _run(Number(process.env.WARM_UP ?? 20_000));
if (!lastLine.includes('"msg":"event"')) throw new Error(`no event line: ${lastLine}`);
const runs = Number(process.env.RUNS ?? 100_000);
console.log(`${(await _run(runs)).toFixed(2)} µs per request (mean of ${runs})`);
