// Blind-test helpers: SNS envelopes signed with a key and certificate made for the tests.
import { createSign } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EmailTrackingContext } from '../../src/index.js';
import {
  createMailWebhookHandler,
  EmailTrackingEvent,
  EventBus,
  ses as sesProvider,
} from '../../src/index.js';

// The repository's copies of ../shared/fixtures (CI has no ../shared).
export const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));
/** The folders of real AWS-signed messages (the repository's copy also holds its index script). */
export const SNS_REAL_DIRS: readonly string[] = readdirSync(`${FIXTURES}/sns-real`, {
  withFileTypes: true,
})
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
export const KEY = readFileSync(new URL('./core-fixtures/sns-test.key', import.meta.url), 'utf8');
export const CERT = readFileSync(new URL('./core-fixtures/sns-test.pem', import.meta.url), 'utf8');
export const EVIL_KEY = readFileSync(new URL('./core-fixtures/evil.key', import.meta.url), 'utf8');
export const EVIL_CERT = readFileSync(new URL('./core-fixtures/evil.pem', import.meta.url), 'utf8');
export const CERT_URL =
  'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';
export const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ses-events';
export const NOW = new Date('2027-01-01T00:00:00.000Z');
export const TS = '2026-12-31T23:59:00.000Z';

export function ses(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${FIXTURES}/ses/${name}.json`, 'utf8'));
}

export function stringToSign(msg: Record<string, unknown>): string {
  const keys =
    msg.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  let s = '';
  for (const k of keys) {
    if (msg[k] === undefined || msg[k] === null) continue;
    s += `${k}\n${msg[k]}\n`;
  }
  return s;
}

let counter = 0;
export function envelope(
  message: unknown,
  over: Record<string, unknown> = {},
  opts: { key?: string; version?: string; sign?: boolean } = {},
): Record<string, unknown> {
  counter++;
  const msg: Record<string, unknown> = {
    Type: 'Notification',
    MessageId: `0000000${counter}-aaaa-bbbb-cccc-${String(counter).padStart(12, '0')}`,
    TopicArn: TOPIC,
    Message: typeof message === 'string' ? message : JSON.stringify(message),
    Timestamp: TS,
    SignatureVersion: opts.version ?? '1',
    SigningCertURL: CERT_URL,
    UnsubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${TOPIC}:x`,
    ...over,
  };
  if (opts.sign !== false) {
    const alg = (opts.version ?? '1') === '1' ? 'RSA-SHA1' : 'RSA-SHA256';
    msg.Signature = createSign(alg)
      .update(stringToSign(msg), 'utf8')
      .sign(opts.key ?? KEY, 'base64');
  }
  return msg;
}

export function post(
  body: unknown,
  headers: Record<string, string> = {},
  url = 'http://localhost/webhooks/mail/ses',
): Request {
  const b = body as Record<string, unknown>;
  const h: Record<string, string> = { 'content-type': 'text/plain; charset=UTF-8' };
  if (b && typeof b === 'object' && typeof b.Type === 'string')
    h['x-amz-sns-message-type'] = b.Type;
  if (b && typeof b === 'object' && typeof b.MessageId === 'string')
    h['x-amz-sns-message-id'] = b.MessageId;
  return new Request(url, {
    method: 'POST',
    headers: { ...h, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export function certFetch(pems: Record<string, string> = { [CERT_URL]: CERT }) {
  const calls: string[] = [];
  const fn = async (input: RequestInfo | URL): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    calls.push(url);
    const pem = pems[url];
    if (pem !== undefined) return new Response(pem, { status: 200 });
    if (url.includes('Action=ConfirmSubscription')) return new Response('<ok/>', { status: 200 });
    return new Response('not found', { status: 404 });
  };
  return { fetch: fn as typeof fetch, calls };
}

export function collector() {
  const bus = new EventBus();
  const events: EmailTrackingContext[] = [];
  bus.subscribe(EmailTrackingEvent, (ctx, next) => {
    events.push(ctx);
    return next(ctx);
  });
  return { bus, events };
}

export type Line = { level: string; message: string; fields: Record<string, unknown> | undefined };
export function captureLogger() {
  const lines: Line[] = [];
  const mk = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, fields });
  };
  return {
    logger: { debug: mk('debug'), info: mk('info'), warn: mk('warn'), error: mk('error') },
    lines,
  };
}

/** The SES bounce fixture every signing test starts from. */
export const bounce = () => ses('event-publishing-bounce');

export const basic = (user: string, pass: string) =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

/**
 * A handler with one ses() provider, a collecting bus, a captured logger, the test certificate
 * served by `certFetch()` and the clock at NOW; `extra` overrides any handler option.
 */
export function make(
  sesOptions: Parameters<typeof sesProvider>[0],
  extra: Record<string, unknown> = {},
) {
  const { bus, events } = collector();
  const log = captureLogger();
  const f = certFetch();
  const h = createMailWebhookHandler({
    sinks: [bus],
    providers: [sesProvider(sesOptions)],
    fetch: f.fetch,
    now: () => NOW,
    logger: log.logger,
    ...extra,
  });
  return { h, events, lines: log.lines, calls: f.calls };
}
