/**
 * One situation, every built-in provider: the same answer. Each of the 17 providers is mounted
 * with its verification on, and each request is signed as that ESP signs it (over whatever bytes
 * the situation holds), so only the situation decides the answer. Where an answer differs, the
 * table says why (DESIGN, or the ESP's own scheme); nothing answers 500.
 */
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { generateTestKeys, KEY_SPECS } from '../../src/cli/keys.js';
import { type Credentials, cliProvider } from '../../src/cli/samples/index.js';
import { base64, hmac, importPrivateKey, p1363ToDer, toHex } from '../../src/cli/signing.js';
import {
  brevo,
  createMailWebhookHandler,
  type EmailTrackingContext,
  loops,
  mailersend,
  mailgun,
  mailjet,
  mailpace,
  mailtrap,
  mandrill,
  type Provider,
  postal,
  postmark,
  resend,
  scaleway,
  sendgrid,
  ses,
  sesEventBridge,
  sparkpost,
  unisenderGo,
} from '../../src/index.js';
import { decodeStandardWebhooksSecret } from '../../src/providers/standard-webhooks.js';
import { memoryLogger, snsHeaders } from '../helpers/envelope.js';
import { basic, routeOf } from '../helpers/provider-harness.js';
import { createSigner, type SnsBody } from '../helpers/signing.js';
import { createAuthority, createScalewaySigner, TOPIC_ARN } from './scaleway/helpers.js';

const encoder = new TextEncoder();
// Keeps a byte-order mark: the signers sign the bytes as sent.
const lenient = new TextDecoder('utf-8', { ignoreBOM: true });

const concat = (...parts: Uint8Array[]): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};

/** Bytes with `insert` placed right after the first `{` (none: undefined). */
function afterFirstBrace(bytes: Uint8Array, insert: string): Uint8Array | undefined {
  const at = bytes.indexOf(0x7b);
  if (at < 0) return undefined;
  return concat(bytes.subarray(0, at + 1), encoder.encode(insert), bytes.subarray(at + 1));
}

/** Whether `bytes` is valid UTF-8. */
const isUtf8 = (bytes: Uint8Array) => {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
};

/** The envelope text with each U+FFFD written back as the invalid byte it stood for. */
function withInvalidBytes(text: string): Uint8Array {
  const bytes = encoder.encode(text);
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0xef && bytes[i + 1] === 0xbf && bytes[i + 2] === 0xbd) {
      out.push(0xff);
      i += 2;
    } else out.push(bytes[i] as number);
  }
  return Uint8Array.from(out);
}

type Signed = { headers: Record<string, string>; body: Uint8Array };
type Sign = (body: Uint8Array, credentials?: Credentials) => Promise<Signed>;

interface Entry {
  readonly provider: Provider;
  readonly fetch?: typeof fetch;
  readonly credentials: Credentials;
  /** Another provider's credential of the same kind, sent to this one. */
  readonly foreign: Credentials;
  /** Signs the ESP's payload bytes as the ESP would (for SNS: the Message). */
  readonly sign: Sign;
  /** The header that carries the credential; none where it sits inside the body. */
  readonly credentialHeader?: string;
  /** A batch of these element texts, as the ESP writes one; absent for one-event ESPs. */
  readonly batch?: (elements: readonly string[]) => string;
  /** `n` good events as JSON texts: the elements of a batch, or the one event. */
  readonly elements: (n: number) => string[];
}

const [sendgridKeys, postalKeys, mailpaceKeys] = await Promise.all(
  ['sendgrid', 'postal', 'mailpace'].map((name) =>
    generateTestKeys(KEY_SPECS[name] as NonNullable<(typeof KEY_SPECS)[string]>),
  ),
);
const WHSEC = `whsec_${btoa('same-answer-resend-secret-32-b!!')}`;
const LOOPS = `whsec_${btoa('same-answer-loops-secret-32-byte')}`;

const ct = { 'content-type': 'application/json' };

/** Standard Webhooks (Resend, Loops) over the raw bytes. */
const standardWebhooks =
  (prefix: 'svix' | 'webhook'): Sign =>
  async (body, credentials = {}) => {
    const key = await crypto.subtle.importKey(
      'raw',
      decodeStandardWebhooksSecret(credentials.secret ?? '') as Uint8Array<ArrayBuffer>,
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const id = `msg_${crypto.randomUUID().replaceAll('-', '')}`;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const mac = await crypto.subtle.sign(
      'HMAC',
      key,
      concat(encoder.encode(`${id}.${timestamp}.`), body),
    );
    return {
      headers: {
        ...ct,
        [`${prefix}-id`]: id,
        [`${prefix}-timestamp`]: timestamp,
        [`${prefix}-signature`]: `v1,${base64(new Uint8Array(mac))}`,
      },
      body,
    };
  };

/** Hex HMAC-SHA256 of the raw bytes in `header` (MailerSend, Mailtrap). */
const hexHmac =
  (header: string): Sign =>
  async (body, credentials = {}) => {
    const key = await crypto.subtle.importKey(
      'raw',
      encoder.encode(credentials.secret ?? ''),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const mac = new Uint8Array(
      await crypto.subtle.sign('HMAC', key, body as Uint8Array<ArrayBuffer>),
    );
    return { headers: { ...ct, [header]: toHex(mac) }, body };
  };

/** A shared-secret ESP: the credential goes in a header, the body as it is. */
const sharedSecret: Sign = async (body, credentials = {}) => {
  const headers: Record<string, string> = { ...ct };
  if (credentials.password !== undefined)
    headers.authorization = basic(credentials.username ?? 'esp', credentials.password);
  if (credentials.token !== undefined) headers.authorization = `Bearer ${credentials.token}`;
  if (credentials.header) headers[credentials.header.name] = credentials.header.value;
  return { headers, body };
};

const sesSigner = await createSigner();
const scalewayCa = await createAuthority();
const scalewaySigner = await createScalewaySigner({ issuer: scalewayCa.keys });

const BOM = Uint8Array.of(0xef, 0xbb, 0xbf);
const hasBom = (bytes: Uint8Array) => bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;

/**
 * For ESPs whose payload sits inside an envelope (an SNS Message, a form field): a byte-order
 * mark goes before the body the ESP sends, as for every other ESP, not inside the payload.
 */
const bomOutside =
  (sign: Sign): Sign =>
  async (body, credentials) => {
    if (!hasBom(body)) return sign(body, credentials);
    const signed = await sign(body.subarray(3), credentials);
    return { ...signed, body: concat(BOM, signed.body) };
  };

/** An SNS Notification whose Message is the payload; invalid bytes stay invalid in the body. */
const snsSign =
  (
    signer: { sign(m: SnsBody): Promise<SnsBody>; notification: (m: never) => SnsBody },
    sesStyle: boolean,
  ): Sign =>
  async (body, credentials = {}) => {
    const text = lenient.decode(body);
    const fields = sesStyle
      ? (signer.notification as (f: SnsBody) => SnsBody)({ Message: text })
      : (signer.notification as (m: unknown) => SnsBody)(text);
    const message = await signer.sign(fields);
    const envelope = JSON.stringify(message);
    const headers: Record<string, string> = { ...ct, ...snsHeaders(message) };
    if (credentials.password !== undefined)
      headers.authorization = basic('sns', credentials.password);
    return { headers, body: isUtf8(body) ? encoder.encode(envelope) : withInvalidBytes(envelope) };
  };

/** One ESP's delivered events for `n` recipients, as JSON texts (mailjet's big ids kept raw). */
function sampleElements(name: string, n: number): unknown[] {
  const cli = cliProvider(name);
  const build = cli?.events.delivered ?? Object.values(cli?.events ?? {})[0];
  const recipients = Array.from({ length: n }, (_, i) => `r${i}@example.com`);
  return build?.({ recipients, now: new Date() }) as unknown[];
}
const texts = (values: readonly unknown[]) => values.map((v) => JSON.stringify(v));

const ENTRIES: Record<string, Entry> = {
  ses: {
    provider: ses({ topicArns: [sesSigner.topicArn], secret: 'same-answer-ses-secret' }),
    fetch: sesSigner.fetch,
    credentials: { password: 'same-answer-ses-secret' },
    foreign: { password: 'same-answer-postmark-password' },
    credentialHeader: 'authorization',
    sign: bomOutside(snsSign(sesSigner as never, true)),
    elements: (n) => texts(sampleElements('ses', n)),
  },
  resend: {
    provider: resend({ secret: WHSEC }),
    credentials: { secret: WHSEC },
    foreign: { secret: LOOPS },
    credentialHeader: 'svix-signature',
    sign: standardWebhooks('svix'),
    elements: (n) => texts(sampleElements('resend', n)),
  },
  sendgrid: {
    provider: sendgrid({ publicKey: sendgridKeys?.publicKey as string }),
    credentials: { privateKey: sendgridKeys?.privateKeyPem },
    foreign: { privateKey: postalKeys?.privateKeyPem },
    credentialHeader: 'X-Twilio-Email-Event-Webhook-Signature',
    async sign(body, credentials = {}) {
      let signature = 'not-a-p256-key';
      const timestamp = String(Math.floor(Date.now() / 1000));
      try {
        const key = await importPrivateKey(credentials.privateKey ?? '', {
          name: 'ECDSA',
          namedCurve: 'P-256',
        });
        const raw = await crypto.subtle.sign(
          { name: 'ECDSA', hash: 'SHA-256' },
          key,
          concat(encoder.encode(timestamp), body),
        );
        signature = base64(p1363ToDer(new Uint8Array(raw)));
      } catch {
        // Another ESP's RSA key: SendGrid would never sign with it; a forger sends garbage.
      }
      return {
        headers: {
          ...ct,
          'X-Twilio-Email-Event-Webhook-Signature': signature,
          'X-Twilio-Email-Event-Webhook-Timestamp': timestamp,
        },
        body,
      };
    },
    batch: (elements) => `[${elements.join(',')}]`,
    elements: (n) => texts(sampleElements('sendgrid', n)[0] as unknown[]),
  },
  mailgun: {
    provider: mailgun({ signingKey: 'same-answer-mailgun-key' }),
    credentials: { secret: 'same-answer-mailgun-key' },
    foreign: { secret: 'same-answer-mailersend-secret' },
    // Mailgun signs inside the body: a body that is no JSON object cannot carry a signature.
    async sign(body, credentials = {}) {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const token = crypto.randomUUID().replaceAll('-', '');
      const signature = toHex(await hmac('SHA-256', credentials.secret ?? '', timestamp + token));
      const block = `"signature":${JSON.stringify({ timestamp, token, signature })}`;
      const text = lenient.decode(body).trim();
      const signed =
        text.startsWith('{}') || text.startsWith('\ufeff{}')
          ? afterFirstBrace(body, block)
          : text.startsWith('{') || text.startsWith('\ufeff{')
            ? afterFirstBrace(body, `${block},`)
            : undefined;
      return { headers: ct, body: signed ?? body };
    },
    elements: (n) => texts(sampleElements('mailgun', n).slice(0, 1)),
  },
  postmark: {
    provider: postmark({ password: 'same-answer-postmark-password' }),
    credentials: { password: 'same-answer-postmark-password' },
    foreign: { password: 'same-answer-mailjet-password' },
    credentialHeader: 'authorization',
    sign: sharedSecret,
    elements: (n) => texts(sampleElements('postmark', n).slice(0, 1)),
  },
  brevo: {
    provider: brevo({ token: 'same-answer-brevo-token' }),
    credentials: { token: 'same-answer-brevo-token' },
    foreign: { token: 'same-answer-eventbridge-token' },
    credentialHeader: 'authorization',
    sign: sharedSecret,
    batch: (elements) => `[${elements.join(',')}]`,
    elements: (n) => texts(sampleElements('brevo', n)),
  },
  mailjet: {
    provider: mailjet({ password: 'same-answer-mailjet-password' }),
    credentials: { password: 'same-answer-mailjet-password' },
    foreign: { password: 'same-answer-postmark-password' },
    credentialHeader: 'authorization',
    sign: sharedSecret,
    batch: (elements) => `[${elements.join(',')}]`,
    elements: (n) =>
      texts(sampleElements('mailjet', n)).map((t) => t.replace(/"@@(\d+)@@"/g, '$1')),
  },
  sparkpost: {
    provider: sparkpost({ header: 'X-Webhook-Key', value: 'same-answer-sparkpost-value' }),
    credentials: { header: { name: 'X-Webhook-Key', value: 'same-answer-sparkpost-value' } },
    foreign: { header: { name: 'X-Webhook-Key', value: 'same-answer-postmark-password' } },
    credentialHeader: 'X-Webhook-Key',
    sign: sharedSecret,
    batch: (elements) => `[${elements.join(',')}]`,
    elements: (n) => texts(sampleElements('sparkpost', n)[0] as unknown[]),
  },
  'unisender-go': {
    provider: unisenderGo({ apiKey: 'same-answer-unisender-key' }),
    credentials: { secret: 'same-answer-unisender-key' },
    foreign: { secret: 'same-answer-mailgun-key' },
    // `auth` sits inside the body: a body that is no JSON object cannot carry it.
    async sign(body, credentials = {}) {
      const key = credentials.secret ?? '';
      const text = lenient.decode(body).trim();
      const sep = /^\ufeff?\{\s*\}/.test(text) ? '' : ',';
      const keyed = /^\ufeff?\{/.test(text)
        ? afterFirstBrace(body, `"auth":"${key}"${sep}`)
        : undefined;
      if (!keyed) return { headers: ct, body };
      const auth = createHash('md5').update(keyed).digest('hex');
      return { headers: ct, body: afterFirstBrace(body, `"auth":"${auth}"${sep}`) as Uint8Array };
    },
    batch: (elements) =>
      `{"events_by_user":[{"user_id":1,"project_name":"p","project_id":"1","events":[${elements.join(',')}]}]}`,
    elements: (n) => {
      const payload = sampleElements('unisender-go', n)[0] as {
        events_by_user: { events: unknown[] }[];
      };
      return texts(payload.events_by_user[0]?.events ?? []);
    },
  },
  mailersend: {
    provider: mailersend({ secret: 'same-answer-mailersend-secret' }),
    credentials: { secret: 'same-answer-mailersend-secret' },
    foreign: { secret: 'same-answer-mailtrap-secret' },
    credentialHeader: 'Signature',
    sign: hexHmac('Signature'),
    elements: (n) => texts(sampleElements('mailersend', n).slice(0, 1)),
  },
  mailtrap: {
    provider: mailtrap({ secret: 'same-answer-mailtrap-secret' }),
    credentials: { secret: 'same-answer-mailtrap-secret' },
    foreign: { secret: 'same-answer-mailersend-secret' },
    credentialHeader: 'Mailtrap-Signature',
    sign: hexHmac('Mailtrap-Signature'),
    batch: (elements) => `{"events":[${elements.join(',')}]}`,
    elements: (n) => texts((sampleElements('mailtrap', n)[0] as { events: unknown[] }).events),
  },
  mandrill: {
    provider: mandrill({ webhookKey: 'same-answer-mandrill-key', url: routeOf('mandrill') }),
    credentials: { secret: 'same-answer-mandrill-key' },
    foreign: { secret: 'same-answer-mailgun-key' },
    credentialHeader: 'X-Mandrill-Signature',
    // The payload is the `mandrill_events` form field, signed over the URL and the field.
    sign: bomOutside(async (body, credentials = {}) => {
      const value = lenient.decode(body);
      const mac = await hmac(
        'SHA-1',
        credentials.secret ?? '',
        `${routeOf('mandrill')}mandrill_events${value}`,
      );
      const encoded = Array.from(body, (b) => `%${b.toString(16).padStart(2, '0')}`).join('');
      return {
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'X-Mandrill-Signature': base64(mac),
        },
        body: encoder.encode(`mandrill_events=${encoded}`),
      };
    }),
    batch: (elements) => `[${elements.join(',')}]`,
    elements: (n) => texts(sampleElements('mandrill', n)[0] as unknown[]),
  },
  postal: {
    provider: postal({ publicKey: postalKeys?.publicKey as string }),
    credentials: { privateKey: postalKeys?.privateKeyPem },
    foreign: { privateKey: sendgridKeys?.privateKeyPem },
    credentialHeader: 'X-Postal-Signature-256',
    async sign(body, credentials = {}) {
      let signature = 'bm90LWFuLXJzYS1rZXk=';
      try {
        const key = await importPrivateKey(credentials.privateKey ?? '', {
          name: 'RSASSA-PKCS1-v1_5',
          hash: 'SHA-256',
        });
        signature = base64(
          new Uint8Array(
            await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, body as Uint8Array<ArrayBuffer>),
          ),
        );
      } catch {
        // Another ESP's EC key: a forger's garbage.
      }
      return { headers: { ...ct, 'X-Postal-Signature-256': signature }, body };
    },
    elements: (n) => texts(sampleElements('postal', n).slice(0, 1)),
  },
  'ses-eventbridge': {
    provider: sesEventBridge({ token: 'same-answer-eventbridge-token' }),
    credentials: { token: 'same-answer-eventbridge-token' },
    foreign: { token: 'same-answer-brevo-token' },
    credentialHeader: 'authorization',
    sign: sharedSecret,
    elements: (n) =>
      sampleElements('ses', n).map((detail) =>
        JSON.stringify({
          version: '0',
          id: crypto.randomUUID(),
          'detail-type': 'Email Delivered',
          source: 'aws.ses',
          account: '123456789012',
          time: new Date().toISOString(),
          region: 'us-east-1',
          resources: [],
          detail,
        }),
      ),
  },
  mailpace: {
    provider: mailpace({ publicKey: mailpaceKeys?.publicKey as string }),
    credentials: { privateKey: mailpaceKeys?.privateKeyPem },
    foreign: { privateKey: postalKeys?.privateKeyPem },
    credentialHeader: 'X-MailPace-Signature',
    async sign(body, credentials = {}) {
      let signature = 'bm90LWFuLWVkMjU1MTkta2V5';
      try {
        const key = await importPrivateKey(credentials.privateKey ?? '', { name: 'Ed25519' });
        signature = base64(
          new Uint8Array(
            await crypto.subtle.sign({ name: 'Ed25519' }, key, body as Uint8Array<ArrayBuffer>),
          ),
        );
      } catch {
        // Another ESP's RSA key: a forger's garbage.
      }
      return { headers: { ...ct, 'X-MailPace-Signature': signature }, body };
    },
    elements: (n) => texts(sampleElements('mailpace', n)),
  },
  loops: {
    provider: loops({ secret: LOOPS }),
    credentials: { secret: LOOPS },
    foreign: { secret: WHSEC },
    credentialHeader: 'webhook-signature',
    sign: standardWebhooks('webhook'),
    elements: (n) => texts(sampleElements('loops', n).slice(0, 1)),
  },
  scaleway: {
    provider: scaleway({ topicArns: [TOPIC_ARN], trustAnchors: scalewayCa.pem }),
    fetch: scalewaySigner.fetch,
    credentials: {},
    foreign: { secret: 'ses' },
    // Scaleway's credential is its certificate: the foreign one is SES's SNS signer.
    sign: (body, credentials) =>
      credentials?.secret === 'ses'
        ? bomOutside(snsSign(sesSigner as never, true))(body)
        : bomOutside(snsSign(scalewaySigner as never, false))(body),
    elements: (n) => texts(sampleElements('scaleway', n).slice(0, 1)),
  },
};

/** One handler per provider, a capturing sink, room for a 5,000-event batch. */
function mount(entry: Entry) {
  const events: EmailTrackingContext[] = [];
  const { lines, logger } = memoryLogger();
  const handle = createMailWebhookHandler({
    providers: [entry.provider],
    sinks: [{ name: 'capture', send: async (batch) => void events.push(...batch) }],
    logger,
    maxBodyBytes: 64 * 1024 * 1024,
    ...(entry.fetch ? { fetch: entry.fetch } : {}),
  });
  const send = async (signed: Signed, edit?: (headers: Headers) => void) => {
    const headers = new Headers(signed.headers);
    edit?.(headers);
    const response = await handle(
      new Request(routeOf(entry.provider.path), {
        method: 'POST',
        body: signed.body as Uint8Array<ArrayBuffer>,
        headers,
      }),
    );
    const body = (await response.json()) as { error?: string; events?: number };
    return { status: response.status, reason: body.error, events: body.events };
  };
  return { send, events, lines };
}

type Answer = { status: number; reason?: string | undefined; events?: number | undefined };
const NAMES = Object.keys(ENTRIES);

/** The one good event's text (for a batch ESP, the batch of one). */
const one = (entry: Entry) => {
  const [event] = entry.elements(1);
  return entry.batch ? entry.batch([event as string]) : (event as string);
};

const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

const SITUATIONS: Record<string, (entry: Entry) => Uint8Array> = {
  'not JSON': () => encoder.encode('this is not json'),
  'JSON of the other shape': (entry) =>
    encoder.encode(entry.batch?.([]).startsWith('[') ? '{"event":"delivered"}' : '[]'),
  'an empty body': () => new Uint8Array(),
  'JSON null': () => encoder.encode('null'),
  'a JSON number': () => encoder.encode('42'),
  'a JSON string': () => encoder.encode('"delivered"'),
  'a byte-order mark first': (entry) =>
    concat(Uint8Array.of(0xef, 0xbb, 0xbf), encoder.encode(one(entry))),
  'invalid UTF-8': (entry) => {
    const text = one(entry);
    const at = text.indexOf('@example.com');
    return concat(
      encoder.encode(text.slice(0, at)),
      Uint8Array.of(0xff),
      encoder.encode(text.slice(at)),
    );
  },
  '1,000-level nesting': () => encoder.encode(nested(1000)),
};

/** The reason a well-formed JSON body of the wrong shape gets: each names what it expected. */
const SHAPE_REASON: Record<string, string> = {
  resend: 'invalid-resend-event',
  sendgrid: 'body-not-array',
  postmark: 'invalid-postmark-event',
  brevo: 'invalid-brevo-event',
  mailjet: 'invalid-mailjet-event',
  sparkpost: 'body-not-array',
  mailersend: 'invalid-mailersend-event',
  mailtrap: 'invalid-mailtrap-batch',
  mandrill: 'invalid-mandrill-batch',
  postal: 'invalid-postal-event',
  'ses-eventbridge': 'invalid-envelope',
  mailpace: 'invalid-mailpace-event',
  loops: 'invalid-loops-event',
};

/** SNS signs the envelope: the payload is its Message. */
const SNS = new Set(['ses', 'scaleway']);
/** The signature sits inside the JSON object: JSON that is no object cannot carry it. */
const SIGNED_INSIDE = new Set(['mailgun', 'unisender-go']);

const OK_ONE: Answer = { status: 200, events: 1 };
const INVALID_JSON: Answer = { status: 400, reason: 'invalid-json' };

/** What every provider answers to a situation, and why a provider differs where it does. */
function expected(name: string, situation: string): Answer {
  const shape = situation !== 'not JSON' && situation !== 'an empty body';
  if (SNS.has(name) && !['invalid UTF-8', 'a byte-order mark first'].includes(situation)) {
    // DESIGN, "Request life and answers": a verified Notification whose Message is not an SES
    // (or TEM) event is 200 with no events and a warning; too deep JSON is not an event either.
    return { status: 200, events: 0 };
  }
  if (SIGNED_INSIDE.has(name) && shape && situation !== '1,000-level nesting') {
    if (situation === 'a byte-order mark first') return OK_ONE;
    if (situation === 'invalid UTF-8') return { status: 400, reason: 'body-not-utf8' };
    // DESIGN: "A missing signature is 403 signature-missing"; here it cannot be in the body.
    return { status: 403, reason: 'signature-missing' };
  }
  switch (situation) {
    case 'not JSON':
    case 'an empty body':
    case '1,000-level nesting':
      return INVALID_JSON;
    case 'a byte-order mark first':
      // RFC 8259 lets a parser ignore a leading BOM; the UTF-8 decoder drops it, for every ESP.
      return OK_ONE;
    case 'invalid UTF-8':
      return { status: 400, reason: 'body-not-utf8' };
    default:
      return { status: 400, reason: SHAPE_REASON[name] };
  }
}

const MOUNTED = Object.fromEntries(NAMES.map((name) => [name, mount(ENTRIES[name] as Entry)]));
const BATCHED = NAMES.filter((name) => ENTRIES[name]?.batch);
const HEADED = NAMES.filter((name) => ENTRIES[name]?.credentialHeader);

const cases = NAMES.flatMap((name) =>
  Object.keys(SITUATIONS).map((situation) => [name, situation] as const),
);

describe('a correctly signed body', () => {
  test.each(cases)('%s: %s', async (name, situation) => {
    const entry = ENTRIES[name] as Entry;
    const { send, events, lines } = MOUNTED[name] as ReturnType<typeof mount>;
    const before = events.length;
    const logged = lines.length;
    const bytes = (SITUATIONS[situation] as (e: Entry) => Uint8Array)(entry);
    const answer = await send(await entry.sign(bytes, entry.credentials));
    const want = expected(name, situation);
    expect(answer).toEqual({ status: want.status, reason: want.reason, events: want.events });
    expect(events.length - before).toBe(want.events ?? 0);
    if (want.status === 200 && want.events === 0) {
      expect(lines.slice(logged).some((line) => line.level === 'warn')).toBe(true);
    }
  });
});

describe('batches (ESPs that batch)', () => {
  test('the ESPs that batch are the ones DESIGN names', () => {
    expect(BATCHED).toEqual([
      'sendgrid',
      'brevo',
      'mailjet',
      'sparkpost',
      'unisender-go',
      'mailtrap',
      'mandrill',
    ]);
  });

  test.each(BATCHED)('%s: an empty batch is 200 with no events', async (name) => {
    const entry = ENTRIES[name] as Entry;
    const { send, events } = MOUNTED[name] as ReturnType<typeof mount>;
    const before = events.length;
    const batch = encoder.encode(entry.batch?.([]));
    expect(await send(await entry.sign(batch, entry.credentials))).toEqual({
      status: 200,
      reason: undefined,
      events: 0,
    });
    expect(events.length).toBe(before);
  });

  test.each(BATCHED)('%s: 5,000 events are all delivered', async (name) => {
    const entry = ENTRIES[name] as Entry;
    const { send, events } = MOUNTED[name] as ReturnType<typeof mount>;
    const before = events.length;
    const elements = entry.elements(5000);
    const batch = encoder.encode(entry.batch?.(elements));
    expect(await send(await entry.sign(batch, entry.credentials))).toEqual({
      status: 200,
      reason: undefined,
      events: 5000,
    });
    const delivered = events.slice(before);
    expect(new Set(delivered.map((event) => event.recipient)).size).toBe(5000);
  });

  test.each(BATCHED)('%s: junk elements are skipped, the rest delivered', async (name) => {
    const entry = ENTRIES[name] as Entry;
    const { send, events, lines } = MOUNTED[name] as ReturnType<typeof mount>;
    const before = events.length;
    const warned = lines.length;
    const [first, second] = entry.elements(2) as [string, string];
    const batch = encoder.encode(entry.batch?.([first, '42', '{"junk":true}', second]));
    expect(await send(await entry.sign(batch, entry.credentials))).toEqual({
      status: 200,
      reason: undefined,
      events: 2,
    });
    expect(events.slice(before).map((event) => event.recipient)).toEqual([
      'r0@example.com',
      'r1@example.com',
    ]);
    expect(lines.slice(warned).filter((line) => line.level === 'warn').length).toBe(2);
  });
});

describe('the same signed request twice', () => {
  // The handler answers both alike; dropping the duplicate is the store's work (eventId).
  test.each(NAMES)('%s: 200 both times, with the same eventId', async (name) => {
    const entry = ENTRIES[name] as Entry;
    const { send, events } = MOUNTED[name] as ReturnType<typeof mount>;
    const before = events.length;
    const signed = await entry.sign(encoder.encode(one(entry)), entry.credentials);
    expect(await send(signed)).toEqual({ status: 200, reason: undefined, events: 1 });
    expect(await send(signed)).toEqual({ status: 200, reason: undefined, events: 1 });
    const [a, b] = events.slice(before);
    expect(b?.eventId).toBe(a?.eventId);
  });
});

/** What a credential header sent twice (one header, values joined by ", ") gets. */
function twice(name: string): Answer {
  // Standard Webhooks carries several signatures in one header; one matching is enough.
  if (name === 'resend' || name === 'loops') return OK_ONE;
  // `Basic a, Basic a` is no Basic (or Bearer) credential: as if none came, 401 with a challenge.
  if (ENTRIES[name]?.credentialHeader === 'authorization') {
    return { status: 401, reason: 'credentials-required' };
  }
  // A custom shared-secret header: present, and not the value.
  if (name === 'sparkpost') return { status: 403, reason: 'secret-mismatch' };
  return { status: 403, reason: 'signature-invalid' };
}

describe('the credential header written another way', () => {
  // Mailgun and Unisender Go sign inside the body; Scaleway's credential is its certificate.
  test('every ESP with a credential header is here', () => {
    expect(NAMES.filter((name) => !HEADED.includes(name))).toEqual([
      'mailgun',
      'unisender-go',
      'scaleway',
    ]);
  });

  const fresh = (entry: Entry) => entry.sign(encoder.encode(one(entry)), entry.credentials);
  const answer = (a: Answer) => ({ status: a.status, reason: a.reason, events: a.events });

  test.each(HEADED)('%s: sent twice', async (name) => {
    const entry = ENTRIES[name] as Entry;
    const header = entry.credentialHeader as string;
    const { send } = MOUNTED[name] as ReturnType<typeof mount>;
    const got = await send(await fresh(entry), (h) => h.append(header, h.get(header) ?? ''));
    expect(got).toEqual(answer(twice(name)));
  });

  test.each(HEADED)('%s: with spaces and a tab around it', async (name) => {
    const entry = ENTRIES[name] as Entry;
    const header = entry.credentialHeader as string;
    const { send } = MOUNTED[name] as ReturnType<typeof mount>;
    const got = await send(await fresh(entry), (h) => h.set(header, `  ${h.get(header)}\t`));
    expect(got).toEqual(answer(OK_ONE));
  });

  test.each(HEADED)('%s: its name in upper case, a scheme in lower case', async (name) => {
    const entry = ENTRIES[name] as Entry;
    const header = entry.credentialHeader as string;
    const { send } = MOUNTED[name] as ReturnType<typeof mount>;
    const got = await send(await fresh(entry), (h) => {
      const value = (h.get(header) ?? '').replace(/^(Basic|Bearer) /, (s) => s.toLowerCase());
      h.delete(header);
      h.set(header.toUpperCase(), value);
    });
    expect(got).toEqual(answer(OK_ONE));
  });
});

/** The ESPs checked by a shared secret (SES: its `secret`), which refuse another one as such. */
const SHARED_SECRET = new Set([
  'ses',
  'postmark',
  'brevo',
  'mailjet',
  'sparkpost',
  'ses-eventbridge',
]);

describe("another provider's credential", () => {
  test.each(NAMES)('%s: 403', async (name) => {
    const entry = ENTRIES[name] as Entry;
    const { send, events } = MOUNTED[name] as ReturnType<typeof mount>;
    const before = events.length;
    const got = await send(await entry.sign(encoder.encode(one(entry)), entry.foreign));
    const reason = SHARED_SECRET.has(name)
      ? 'secret-mismatch'
      : name === 'scaleway'
        ? 'topic-not-allowed' // signed for SES's SNS topic: Scaleway takes its own topics only
        : 'signature-invalid';
    expect(got).toEqual({ status: 403, reason, events: undefined });
    expect(events.length).toBe(before);
  });
});
