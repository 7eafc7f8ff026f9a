/** Shared bits for the deployment-surface blind tests: logs, signed samples, local servers. */
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { createHandlerFromEnv } from '../../src/env/index.js';
import { ConfigError } from '../../src/index.js';

export const root = new URL('../../', import.meta.url).pathname;

export type LogLine = Record<string, unknown> & { level?: string; msg?: string };

/** Captures every console line the code writes; JSON lines are parsed, others kept as text. */
export function captureConsole() {
  const raw: string[] = [];
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const spies = methods.map((m) =>
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      raw.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    }),
  );
  return {
    raw,
    get lines(): LogLine[] {
      return raw.flatMap(parseJsonLines);
    },
    restore() {
      for (const s of spies) s.mockRestore();
    },
  };
}

/** Captures the console around every test of the file: `logs.lines` / `logs.raw` of the current one. */
export function captureConsoleEachTest() {
  let current: ReturnType<typeof captureConsole>;
  beforeEach(() => {
    current = captureConsole();
  });
  afterEach(() => {
    current.restore();
  });
  return {
    get raw() {
      return current.raw;
    },
    get lines() {
      return current.lines;
    },
  };
}

export function parseJsonLines(text: string): LogLine[] {
  const out: LogLine[] = [];
  for (const line of text.split('\n')) {
    try {
      const value = JSON.parse(line);
      if (value && typeof value === 'object') out.push(value as LogLine);
    } catch {}
  }
  return out;
}

/** The bundled SES bounce for jane@ and richard@ (verification must be off to accept it). */
export const snsBounceText = readFileSync(`${root}examples/sns-bounce.json`, 'utf8');

export function snsBounceRequest(url = 'http://localhost/webhooks/mail/ses'): Request {
  return new Request(url, {
    method: 'POST',
    headers: {
      'content-type': 'text/plain; charset=UTF-8',
      'x-amz-sns-message-type': 'Notification',
      'x-amz-sns-message-id': '5b1a3a02-7d1c-5e4b-9a57-0c7c5d7f1e01',
    },
    body: snsBounceText,
  });
}

/** POSTs the bundled SNS bounce to `url` with a real HTTP client (for servers in other processes). */
export const postSnsBounce = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: {
      'x-amz-sns-message-type': 'Notification',
      'x-amz-sns-message-id': '5b1a3a02-7d1c-5e4b-9a57-0c7c5d7f1e01',
      ...headers,
    },
    body: snsBounceText,
  });

export function newWhsec(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** A Resend-style (Svix) signed request. */
export function resendRequest(
  url: string,
  secret: string,
  body: object,
  id = `msg_${Date.now()}`,
): Request {
  const text = JSON.stringify(body);
  const ts = Math.floor(Date.now() / 1000).toString();
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const sig = createHmac('sha256', key).update(`${id}.${ts}.${text}`).digest('base64');
  return new Request(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'svix-id': id,
      'svix-timestamp': ts,
      'svix-signature': `v1,${sig}`,
    },
    body: text,
  });
}

export const resendBounce = {
  created_at: '2023-10-02T18:11:26.101Z',
  type: 'email.bounced',
  data: {
    bounce: { message: 'hard bounce', type: 'Permanent', subType: 'General' },
    created_at: '2023-10-02T18:11:25.729Z',
    email_id: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    from: 'Sender <from@example.com>',
    subject: 'Sending test',
    to: ['bounced@resend.dev'],
  },
};

export const postmarkDelivery = {
  RecordType: 'Delivery',
  ServerID: 23,
  MessageStream: 'outbound',
  MessageID: '883953f4-6105-42a2-a16a-77a8eac79483',
  Recipient: 'john@example.com',
  Tag: 'welcome-email',
  DeliveredAt: '2019-11-05T16:33:54.9070259Z',
  Details: 'Test delivery webhook details',
  Metadata: { a_key: 'a_value' },
};

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A local HTTP receiver on a port of its own; `status` decides each answer. */
export async function startReceiver(status: (n: number) => number = () => 200) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(status(received.length), { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  return { received, ...(await listenLocally(server)) };
}

/** Converts a Node request to a web Request and serves `handle` on 127.0.0.1, on a port of its own. */
export async function serveHandler(handle: (r: Request) => Promise<Response>) {
  let url = '';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string') headers.set(k, v);
        else if (Array.isArray(v)) for (const x of v) headers.append(k, x);
      }
      const body = Buffer.concat(chunks);
      const request = new Request(`${url}${req.url}`, {
        method: req.method,
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
      });
      const response = await handle(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    });
  });
  const listening = await listenLocally(server);
  url = listening.url;
  return listening;
}

/**
 * Listens on 127.0.0.1 on a port the system picks (never a fixed one another test or process may
 * hold): the URL it is bound to, and a close that drops open connections.
 */
async function listenLocally(server: Server) {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/**
 * A port nothing listens on just now, for a URL that must be known before its server starts (a
 * signed URL) or that must refuse connections: the system picks it, so no other test holds it.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  const { url, close } = await listenLocally(server);
  await close();
  return Number(new URL(url).port);
}

export type Env = Record<string, unknown>;
type Handle = (r: Request) => Promise<Response>;

/** Routes on, SES signature checks off: the bundled (unsigned) SNS bounce is accepted. */
export const on = { MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false' };

/** The handler mailhooks/env builds from `env`. */
export async function build(env: Env): Promise<Handle> {
  return (await (createHandlerFromEnv as (e: Env) => unknown)(env)) as Handle;
}

/** Builds from env; returns the ConfigError it throws (sync or async), or fails. */
export async function configError(env: Env): Promise<Error> {
  try {
    const handle = await build(env);
    // Some entry points report at first use; give it one request.
    if (typeof handle === 'function') {
      const response = await handle(snsBounceRequest());
      throw new Error(`no ConfigError; answered ${response.status}`);
    }
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('no ConfigError');
}

/** One test per row: `{ ...base, ...vars }` stops start-up with a message naming `named`. */
export function stopsStartUp(rows: [title: string, vars: Env, named: string][], base: Env = on) {
  it.each(rows)('%s', async (_title, vars, named) => {
    const error = await configError({ ...base, ...vars });
    expect(error.message).toContain(named);
  });
}

/** MAIL_WEBHOOK_FANOUT_ENDPOINTS of one endpoint at `url`, its secret in the variable `secretVar`. */
export function oneEndpoint(url: string, secretVar = 'MAIL_WEBHOOK_FANOUT_SECRET_A', extra = {}) {
  return JSON.stringify([{ url, secret: `env:${secretVar}`, ...extra }]);
}

/** Runs `body` with a receiver, closing it however `body` ends. */
export async function withReceiver(
  body: (receiver: Awaited<ReturnType<typeof startReceiver>>) => Promise<void>,
  status?: (n: number) => number,
): Promise<void> {
  const receiver = await startReceiver(status);
  try {
    await body(receiver);
  } finally {
    await receiver.close();
  }
}
