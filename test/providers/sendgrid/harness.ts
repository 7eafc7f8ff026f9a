/**
 * SendGrid test harness, runtime-neutral (crypto.subtle only): a P-256 key made at test time,
 * signing the way SendGrid signs (DER in the header), and a handler with a capturing sink.
 */
import type { MailWebhookOptions } from '../../../src/index.js';
import { type SendgridOptions, sendgrid } from '../../../src/providers/sendgrid/index.js';
import { captureHandler, answer as statusAndBody } from '../../helpers/capture-handler.js';

export const URL_SENDGRID = 'https://hooks.example.com/webhooks/mail/sendgrid';
export const SIGNATURE = 'X-Twilio-Email-Event-Webhook-Signature';
export const TIMESTAMP = 'X-Twilio-Email-Event-Webhook-Timestamp';

const encoder = new TextEncoder();

export const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));
export const fromBase64 = (text: string): Uint8Array<ArrayBuffer> =>
  Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/** A DER INTEGER from unsigned big-endian bytes, minimal as SendGrid writes it. */
function derInteger(bytes: Uint8Array): number[] {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const value = [...bytes.subarray(start)];
  if ((value[0] ?? 0) & 0x80) value.unshift(0);
  return [0x02, value.length, ...value];
}

/** WebCrypto's 64-byte r‖s as the DER `SEQUENCE { r, s }` SendGrid sends. */
export function p1363ToDer(signature: Uint8Array): Uint8Array<ArrayBuffer> {
  const body = [...derInteger(signature.subarray(0, 32)), ...derInteger(signature.subarray(32))];
  return Uint8Array.from([0x30, body.length, ...body]);
}

export interface TestKey {
  readonly pair: CryptoKeyPair;
  /** The public key as SendGrid shows it: base64 SPKI. */
  readonly publicKey: string;
}

export async function makeKey(): Promise<TestKey> {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const spki = new Uint8Array(
    (await crypto.subtle.exportKey('spki', pair.publicKey)) as ArrayBuffer,
  );
  return { pair, publicKey: toBase64(spki) };
}

const asBytes = (body: string | Uint8Array): Uint8Array<ArrayBuffer> =>
  Uint8Array.from(typeof body === 'string' ? encoder.encode(body) : body);

/** The raw 64-byte signature over timestamp + body. */
export async function signRaw(
  key: TestKey,
  timestamp: string,
  body: string | Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = asBytes(body);
  const signed = new Uint8Array(timestamp.length + bytes.length);
  signed.set(encoder.encode(timestamp), 0);
  signed.set(bytes, timestamp.length);
  const signature = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    key.pair.privateKey,
    signed,
  );
  return new Uint8Array(signature);
}

/** The two headers SendGrid adds, signing `body` at `timestamp`. */
export async function signedHeaders(
  key: TestKey,
  timestamp: string,
  body: string | Uint8Array,
): Promise<Record<string, string>> {
  const der = p1363ToDer(await signRaw(key, timestamp, body));
  return { [SIGNATURE]: toBase64(der), [TIMESTAMP]: timestamp };
}

export function sendgridRequest(
  body: string | Uint8Array,
  headers: Record<string, string> = {},
  url = URL_SENDGRID,
): Request {
  return new Request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: asBytes(body),
  });
}

/** A signed request as SendGrid would post it. */
export async function signedRequest(
  key: TestKey,
  body: string | Uint8Array,
  timestamp: string,
): Promise<Request> {
  return sendgridRequest(body, await signedHeaders(key, timestamp, body));
}

/** A handler with one SendGrid provider, a capturing sink and logger, and a fixed clock. */
export function setup(
  provider: SendgridOptions,
  clock: Date | number,
  options: MailWebhookOptions = {},
) {
  const now = typeof clock === 'number' ? new Date(clock * 1000) : clock;
  const {
    handle,
    events: received,
    lines,
  } = captureHandler(sendgrid(provider), {
    now: () => now,
    ...options,
  });
  return { handle, received, lines };
}

/** Status and JSON body of a response. */
export const answer = (response: Response) => statusAndBody<Record<string, unknown>>(response);
