// Shared helpers for the blind fixture tests: post a body through the public handler and
// capture what a sink receives.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import {
  createMailWebhookHandler,
  type EmailTrackingContext,
  type Provider,
} from '../../src/index';

// The repository's copies of ../shared/fixtures/esps (CI has no ../shared).
const ROOT = fileURLToPath(new URL('../fixtures/esps', import.meta.url));

export function fixtureText(esp: string, file: string): string {
  return readFileSync(join(ROOT, esp, file), 'utf8');
}
export function fixtureBytes(esp: string, file: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(readFileSync(join(ROOT, esp, file)));
}
export function fixtureJson<T = any>(esp: string, file: string): T {
  return JSON.parse(fixtureText(esp, file)) as T;
}

export interface Posted {
  status: number;
  body: any;
  text: string;
  headers: Headers;
  events: EmailTrackingContext[];
  warnings: string[];
}

export function makeHandler(provider: Provider, now?: Date) {
  const events: EmailTrackingContext[] = [];
  const warnings: string[] = [];
  const logger = {
    debug() {},
    info() {},
    warn(message: string, fields?: unknown) {
      warnings.push(`${message} ${JSON.stringify(fields ?? {})}`);
    },
    error() {},
  };
  const handle = createMailWebhookHandler({
    providers: [provider],
    sinks: [
      {
        name: 'capture',
        async send(batch: EmailTrackingContext[]) {
          events.push(...batch);
        },
      },
    ],
    logger,
    ...(now ? { now: () => now } : {}),
  });
  return {
    events,
    warnings,
    async post(
      path: string,
      body: string | Uint8Array<ArrayBuffer> | null,
      headers: Record<string, string> = {},
      method = 'POST',
    ): Promise<Posted> {
      const before = events.length;
      const res = await handle(
        new Request(`https://hooks.example.com/webhooks/mail/${path}`, {
          method,
          headers: { 'content-type': 'application/json', ...headers },
          body: method === 'GET' || method === 'HEAD' ? null : body,
        }),
      );
      const text = await res.text();
      let json: any = null;
      try {
        json = JSON.parse(text);
      } catch {}
      return {
        status: res.status,
        body: json,
        text,
        headers: res.headers,
        events: events.slice(before),
        warnings,
      };
    },
  };
}

/** Asserts a 200 with `events: n`, and that n events reached the sink. */
export function expectOk(r: Posted, n: number) {
  expect({ status: r.status, body: r.body }).toEqual({
    status: 200,
    body: { ok: true, events: n },
  });
  expect(r.events).toHaveLength(n);
}

export function expectRefused(r: Posted, status: number, reason?: string | RegExp) {
  expect(r.status, r.text).toBe(status);
  expect(r.events).toHaveLength(0);
  if (reason !== undefined) {
    const text = r.text;
    if (typeof reason === 'string') expect(text).toContain(reason);
    else expect(text).toMatch(reason);
  }
}

export type Expected = Partial<Omit<EmailTrackingContext, 'timestamp'>> & { timestamp?: string };

/** Compares each event with the expected fields (timestamp as an ISO string). */
export function expectEvents(events: EmailTrackingContext[], expected: Expected[]) {
  expect(events).toHaveLength(expected.length);
  expected.forEach((want, i) => {
    const got = events[i] as EmailTrackingContext;
    const { timestamp, ...rest } = want;
    if (timestamp !== undefined) {
      expect(got.timestamp).toBeInstanceOf(Date);
      expect(got.timestamp.toISOString(), `event ${i} timestamp`).toBe(timestamp);
    }
    for (const [k, v] of Object.entries(rest)) {
      expect((got as any)[k], `event ${i} field ${k}`).toEqual(v);
    }
  });
}

/** Asserts a 200 with one event per expected entry, and compares each with its entry. */
export function expectPosted(r: Posted, expected: Expected[]) {
  expectOk(r, expected.length);
  expectEvents(r.events, expected);
}

/** The digest eventId: `<name>:` + 32 lowercase hex digits. */
export const DIGEST = (name: string) => new RegExp(`^${name}:[0-9a-f]{32}$`);

export async function sha256hex(text: string | Uint8Array<ArrayBuffer>): Promise<string> {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const d = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function basic(user: string, password: string): string {
  return `Basic ${btoa(`${user}:${password}`)}`;
}

const enc = new TextEncoder();
function b64(bytes: ArrayBuffer | Uint8Array): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)));
}
function unb64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
async function hmac(
  hash: 'SHA-256' | 'SHA-1',
  key: Uint8Array<ArrayBuffer>,
  data: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, data));
}
export function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}
/** Standard Webhooks / Svix signature header value for a body. */
export async function svixSign(
  secret: string,
  id: string,
  ts: string,
  body: string,
): Promise<string> {
  const key = unb64(secret.replace(/^whsec_/, ''));
  return `v1,${b64(await hmac('SHA-256', key, enc.encode(`${id}.${ts}.${body}`)))}`;
}
/** The id, timestamp and signature headers of a signed Svix (`svix-*`) or Standard Webhooks (`webhook-*`) request. */
export async function svixHeaders(
  secret: string,
  id: string,
  ts: string,
  body: string,
  prefix: 'svix' | 'webhook' = 'svix',
): Promise<Record<string, string>> {
  return {
    [`${prefix}-id`]: id,
    [`${prefix}-timestamp`]: ts,
    [`${prefix}-signature`]: await svixSign(secret, id, ts, body),
  };
}
export async function hmacHex(
  secret: string,
  body: string | Uint8Array<ArrayBuffer>,
): Promise<string> {
  return hex(
    await hmac('SHA-256', enc.encode(secret), typeof body === 'string' ? enc.encode(body) : body),
  );
}
export async function hmacSha1B64(secret: string, data: string): Promise<string> {
  return b64(await hmac('SHA-1', enc.encode(secret), enc.encode(data)));
}
export { b64, unb64 };

function derInt(bytes: Uint8Array): number[] {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const v = [...bytes.slice(i)];
  if ((v[0] as number) & 0x80) v.unshift(0);
  return [0x02, v.length, ...v];
}
/** A P-256 key pair for SendGrid-style signing: public SPKI base64, and a signer giving base64 DER. */
export async function sendgridKeys() {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const spki = b64(await crypto.subtle.exportKey('spki', pair.publicKey));
  async function sign(ts: string, body: string): Promise<string> {
    const raw = new Uint8Array(
      await crypto.subtle.sign(
        { name: 'ECDSA', hash: 'SHA-256' },
        pair.privateKey,
        enc.encode(ts + body),
      ),
    );
    const r = derInt(raw.slice(0, 32));
    const s = derInt(raw.slice(32));
    return b64(new Uint8Array([0x30, r.length + s.length, ...r, ...s]));
  }
  return { spki, sign };
}
