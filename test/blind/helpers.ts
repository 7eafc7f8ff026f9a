// Helpers for the blind suite, written from DESIGN.md and the fixtures' README (the SNS string to
// sign, the certificate server and Basic credentials are test/helpers' own, not the code under test's).
import { execFileSync } from 'node:child_process';
import { createHash, createHmac, createSign, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmailTrackingContext, Logger, Sink } from '../../src/index.js';
import { serveCertificates, snsStringToSign } from '../helpers/signing.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);

export function fixtureText(path: string): string {
  return readFileSync(new URL(path, FIXTURES), 'utf8');
}

export function fixtureJson<T = any>(path: string): T {
  return JSON.parse(fixtureText(path)) as T;
}

/** A sink that keeps what it receives. */
export function collector(): Sink & { events: EmailTrackingContext[]; calls: number } {
  const sink = {
    name: 'collector',
    events: [] as EmailTrackingContext[],
    calls: 0,
    async send(events: EmailTrackingContext[]) {
      sink.calls++;
      sink.events.push(...events);
    },
  };
  return sink;
}

/** A logger that keeps every line, as text. */
export function recordingLogger(): Logger & {
  lines: { level: string; text: string }[];
  all(): string;
} {
  const lines: { level: string; text: string }[] = [];
  const at =
    (level: string) =>
    (...args: unknown[]) => {
      lines.push({
        level,
        text: args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '),
      });
    };
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    all: () => lines.map((l) => `${l.level}: ${l.text}`).join('\n'),
  } as any;
}

/** The body of a refusal, as text, so a test can look for the reason without assuming a field. */
export async function bodyText(response: Response): Promise<string> {
  return await response.text();
}

export async function json(response: Response): Promise<any> {
  return JSON.parse(await response.text());
}

/** A refusal's status and its `error` reason. */
export async function refusal(response: Response): Promise<{ status: number; error: unknown }> {
  return { status: response.status, error: (await json(response)).error };
}

// ---------------------------------------------------------------- SNS ----

export interface SnsCert {
  keyPem: string;
  certPem: string;
}

/** A self-signed certificate naming sns.amazonaws.com (openssl). */
export function makeSnsCert(options: { cn?: string; san?: string; days?: number } = {}): SnsCert {
  const dir = mkdtempSync(join(tmpdir(), 'blind-sns-'));
  const cn = options.cn ?? 'sns.amazonaws.com';
  const args = [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    join(dir, 'key.pem'),
    '-out',
    join(dir, 'cert.pem'),
    '-days',
    String(options.days ?? 3650),
    '-subj',
    `/CN=${cn}`,
  ];
  if (options.san) args.push('-addext', `subjectAltName=DNS:${options.san}`);
  try {
    execFileSync('openssl', args, { stdio: 'ignore' });
    return {
      keyPem: readFileSync(join(dir, 'key.pem'), 'utf8'),
      certPem: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    // Read into memory: the key and certificate files are not left behind in the temp directory.
    rmSync(dir, { recursive: true, force: true });
  }
}

export const CERT_URL =
  'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';
export const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ses-events';

let counter = 0;
export function uuid(): string {
  counter++;
  return `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`;
}

/** A signed SNS envelope. `message` objects are JSON-encoded as SES does. */
export function snsEnvelope(
  cert: SnsCert,
  message: unknown,
  options: {
    type?: string;
    topicArn?: string;
    messageId?: string;
    timestamp?: string;
    subject?: string;
    version?: '1' | '2';
    certUrl?: string;
    subscribeUrl?: string;
    token?: string;
  } = {},
): Record<string, any> {
  const type = options.type ?? 'Notification';
  const envelope: Record<string, any> = {
    Type: type,
    MessageId: options.messageId ?? uuid(),
    TopicArn: options.topicArn ?? TOPIC,
    Message: typeof message === 'string' ? message : JSON.stringify(message),
    Timestamp: options.timestamp ?? new Date().toISOString(),
    SignatureVersion: options.version ?? '1',
  };
  if (options.subject !== undefined) envelope.Subject = options.subject;
  if (type !== 'Notification') {
    envelope.Token = options.token ?? 'tok-123';
    envelope.SubscribeURL =
      options.subscribeUrl ??
      `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${envelope.TopicArn}&Token=${envelope.Token}`;
  }
  const signer = createSign(envelope.SignatureVersion === '2' ? 'RSA-SHA256' : 'RSA-SHA1');
  signer.update(snsStringToSign(envelope), 'utf8');
  envelope.Signature = signer.sign(cert.keyPem, 'base64');
  envelope.SigningCertURL = options.certUrl ?? CERT_URL;
  envelope.UnsubscribeURL = `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${envelope.TopicArn}:x`;
  return envelope;
}

export function snsRequest(
  envelope: Record<string, any> | string,
  options: { path?: string; headers?: Record<string, string>; auth?: string } = {},
): Request {
  const body = typeof envelope === 'string' ? envelope : JSON.stringify(envelope);
  const parsed = typeof envelope === 'string' ? safeParse(envelope) : envelope;
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=UTF-8' };
  if (parsed?.Type) headers['x-amz-sns-message-type'] = String(parsed.Type);
  if (parsed?.MessageId) headers['x-amz-sns-message-id'] = String(parsed.MessageId);
  if (parsed?.TopicArn) headers['x-amz-sns-topic-arn'] = String(parsed.TopicArn);
  if (options.auth) headers.authorization = options.auth;
  Object.assign(headers, options.headers);
  return new Request(`https://hooks.example.com${options.path ?? '/webhooks/mail/ses'}`, {
    method: 'POST',
    headers,
    body,
  });
}

function safeParse(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export { basic } from '../helpers/provider-harness.js';

/** A fetch that serves certificates by URL (404 elsewhere) and lists the URLs asked for in `calls`. */
export const certFetch = serveCertificates;

// ------------------------------------------------------ Standard Webhooks ----

export function newWhsec(): string {
  return `whsec_${Buffer.from(createHash('sha256').update(String(Math.random())).digest()).toString('base64')}`;
}

export function standardSignature(
  secret: string,
  id: string,
  timestamp: number | string,
  body: string,
) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export function standardRequest(
  url: string,
  secret: string,
  body: string,
  options: { id?: string; timestamp?: number; prefix?: 'svix' | 'webhook' } = {},
): Request {
  const id = options.id ?? `msg_${uuid()}`;
  const ts = options.timestamp ?? Math.floor(Date.now() / 1000);
  const p = options.prefix ?? 'svix';
  return new Request(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [`${p}-id`]: id,
      [`${p}-timestamp`]: String(ts),
      [`${p}-signature`]: standardSignature(secret, id, ts, body),
    },
    body,
  });
}

// ------------------------------------------------------------ SendGrid ----

export function sendgridKeys(): { publicKey: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export function sendgridRequest(
  url: string,
  privateKeyPem: string,
  body: string,
  timestamp = String(Math.floor(Date.now() / 1000)),
): Request {
  const signature = sign('sha256', Buffer.from(timestamp + body), {
    key: privateKeyPem,
    dsaEncoding: 'der',
  }).toString('base64');
  return new Request(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'X-Twilio-Email-Event-Webhook-Signature': signature,
      'X-Twilio-Email-Event-Webhook-Timestamp': timestamp,
    },
    body,
  });
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

// ------------------------------------------------------------- Mailgun ----

export function mailgunBody(key: string, eventData: Record<string, unknown>, timestamp?: string) {
  const ts = timestamp ?? String(Math.floor(Date.now() / 1000));
  const token = createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 50);
  const signature = createHmac('sha256', key)
    .update(ts + token)
    .digest('hex');
  return JSON.stringify({
    signature: { timestamp: ts, token, signature },
    'event-data': eventData,
  });
}

export function post(url: string, body: string, headers: Record<string, string> = {}): Request {
  return new Request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

/** The value, or a thrown error naming what was missing (instead of a non-null assertion). */
export function must<T>(value: T | undefined | null, what = 'value'): T {
  if (value === undefined || value === null) throw new Error(`${what} is missing`);
  return value;
}
