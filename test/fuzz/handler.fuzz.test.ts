/**
 * Property-based tests at the handler boundary: random and mutated requests against every
 * registered provider never make the handler throw or answer 500, and a signed SNS message
 * altered after signing is never delivered. `FUZZ_RUNS` sets the runs per property (default 300;
 * `npm run fuzz` runs 10,000).
 */
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import {
  createMailWebhookHandler,
  type EmailTrackingContext,
  type Logger,
  type Sink,
} from '../../src/index.js';
import { realCertificates, realMessages } from '../fixtures/sns-real/index.js';
import { snsHeaders } from '../helpers/envelope.js';
import { createSigner, serveCertificates } from '../helpers/signing.js';
import { buildAllProviders } from './providers.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
// About 0.4 ms a run here: a long run (npm run fuzz, or more) gets the time it needs.
const TIMEOUT_MS = Math.max(5_000, RUNS * 2);
const BASE_PATH = '/webhooks/mail';

// ---- the handler under test: every provider, verification on, a clock the runs can set ----

const signer = await createSigner();
const realTopics = realMessages.map((m) => (JSON.parse(m.json) as { TopicArn: string }).TopicArn);
const serveReal = serveCertificates(realCertificates, (url) => url.slice(url.lastIndexOf('/') + 1));
const certFetch: typeof fetch = (input, init) => {
  const url = input instanceof Request ? input.url : String(input);
  return url === signer.certUrl ? signer.fetch(input, init) : serveReal(input, init);
};

const { providers, skipped } = buildAllProviders({
  ses: { topicArns: [signer.topicArn, ...new Set(realTopics)] },
});

let clock = new Date();
const received: EmailTrackingContext[] = [];
const sink: Sink = { name: 'capture', send: async (events) => void received.push(...events) };
const logged = { debug: 0, info: 0, warn: 0, error: 0 };
const errorLines: { msg: string; fields: unknown }[] = [];
const countingLogger: Logger = {
  debug: () => void logged.debug++,
  info: () => void logged.info++,
  warn: () => void logged.warn++,
  error: (msg, fields) => {
    logged.error++;
    errorLines.push({ msg, fields });
  },
};
const handle = createMailWebhookHandler({
  providers,
  sinks: [sink],
  logger: countingLogger,
  fetch: certFetch,
  now: () => clock,
  basePath: BASE_PATH,
});

const stats = {
  requests: 0,
  throws: 0,
  status500: 0,
  mutatedDelivered: 0,
  statuses: {} as Record<number, number>,
};

/** Sends one request, never letting a throw escape: it is counted and reported by the property. */
async function send(request: Request): Promise<Response | Error> {
  stats.requests++;
  received.length = 0;
  try {
    const response = await handle(request);
    stats.statuses[response.status] = (stats.statuses[response.status] ?? 0) + 1;
    if (response.status === 500) stats.status500++;
    return response;
  } catch (error) {
    stats.throws++;
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** The answer is a well-formed refusal or success: JSON `{ ok, ... }`, status 200–599 but not 500. */
async function expectWellFormed(response: Response | Error, method: string): Promise<void> {
  if (response instanceof Error) throw response;
  expect(response.status).not.toBe(500);
  expect(response.status).toBeGreaterThanOrEqual(200);
  expect(response.status).toBeLessThan(600);
  if (method === 'HEAD') return;
  const text = await response.text();
  // A provider's probe may answer 200 with a body of its own; every refusal is JSON.
  if (response.status >= 400)
    expect(typeof (JSON.parse(text) as { ok: unknown }).ok).toBe('boolean');
}

// ---- seeds: real SES events, signed by the test signer, and real AWS-signed SNS messages ----

type SnsBody = Record<string, unknown>;

interface SignedSeed {
  readonly text: string;
  readonly body: SnsBody;
  readonly now: Date;
}

const sesDir = new URL('../fixtures/ses/', import.meta.url);
const sesEvents = readdirSync(sesDir)
  .filter((name) => name.endsWith('.json') && !name.startsWith('sns-envelope'))
  .map((name) => {
    const { _comment, ...event } = JSON.parse(readFileSync(new URL(name, sesDir), 'utf8'));
    return JSON.stringify(event);
  });

const signedSeeds: SignedSeed[] = [
  ...(await Promise.all(
    sesEvents.map(async (message, i) => {
      const body = await signer.sign(signer.notification({ Message: message }), i % 2 ? '1' : '2');
      return {
        text: JSON.stringify(body),
        body,
        now: new Date(Date.parse(String(body.Timestamp)) + 1000),
      };
    }),
  )),
  ...realMessages.map(({ json }) => {
    const body = JSON.parse(json) as SnsBody;
    return { text: json, body, now: new Date(Date.parse(String(body.Timestamp)) + 1000) };
  }),
];

// What the signature covers (and what selects the key): equal for two bodies, the same message.
const SIGNED_FIELDS = [
  'Type',
  'MessageId',
  'TopicArn',
  'Subject',
  'Message',
  'Timestamp',
  'Token',
  'SubscribeURL',
  'SignatureVersion',
  'Signature',
  'SigningCertURL',
  'SigningCertUrl',
];
const signedContent = (body: unknown): string | undefined =>
  typeof body === 'object' && body !== null && !Array.isArray(body)
    ? JSON.stringify(SIGNED_FIELDS.map((f) => (body as SnsBody)[f]))
    : undefined;

const sesRoute = `http://localhost${BASE_PATH}/ses`;
const headersFor = (body: unknown, fallback: SnsBody): Record<string, string> =>
  snsHeaders(
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as SnsBody)
      : fallback,
  );

// ---- arbitraries ----

const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 40,
});
const anyText = fc.string({ unit: 'binary', maxLength: 200 });

/** A string changed at one place: a character replaced, inserted or removed. */
const mutationOf = (text: string) =>
  fc
    .tuple(
      fc.nat(),
      fc.constantFrom('replace', 'insert', 'delete'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }),
    )
    .map(([at, how, piece]) => {
      const i = text.length === 0 ? 0 : at % text.length;
      if (how === 'insert') return text.slice(0, i) + piece + text.slice(i);
      if (how === 'delete') return text.slice(0, i) + text.slice(i + 1);
      return text.slice(0, i) + piece + text.slice(i + piece.length);
    });

const seedBody = fc.constantFrom(...signedSeeds.map((s) => s.text), ...sesEvents);

const body = fc.oneof(
  anyText,
  fc.uint8Array({ maxLength: 512 }),
  fc.json(),
  seedBody,
  seedBody.chain(mutationOf),
  fc.constantFrom(
    '',
    'null',
    '[]',
    '[{"msys":{}}]',
    '['.repeat(5000),
    JSON.stringify({ eventType: 'constructor', mail: {} }),
    JSON.stringify({ Type: 'Notification', MessageId: 'm', Message: '{"eventType":"toString"}' }),
  ),
);

const segment = fc.oneof(
  fc.constantFrom(...providers.map((p) => p.path), 'suppressions', 'events', '..', '.', ''),
  printable.map(encodeURIComponent),
);
const path = fc.oneof(
  segment.map((s) => `${BASE_PATH}/${s}`),
  fc.constant(BASE_PATH),
  fc.array(segment, { maxLength: 4 }).map((parts) => `/${parts.join('/')}`),
  fc.tuple(segment, segment).map(([a, b]) => `${BASE_PATH}/${a}/${b}`),
);
const query = fc.oneof(
  fc.constant(''),
  printable.map((q) => `?${encodeURIComponent(q)}`),
  fc.integer({ min: 1, max: 20_000 }).map((n) => `?a=1${'&a'.repeat(n)}`),
  fc
    .dictionary(fc.stringMatching(/^[a-z]{1,8}$/), printable)
    .map((q) => `?${new URLSearchParams(q)}`),
);
const method = fc.oneof(
  fc.constantFrom('GET', 'HEAD', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
  fc.stringMatching(/^[A-Z]{1,10}$/).filter((m) => !['CONNECT', 'TRACE', 'TRACK'].includes(m)),
);
const host = fc.option(
  fc.oneof(
    fc.constantFrom('localhost', 'example.com:8787', '[::1]', 'exa mple.com', 'a/b', ''),
    printable,
  ),
  { nil: undefined },
);
const headers = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      'authorization',
      'content-type',
      'content-length',
      'x-amz-sns-message-type',
      'x-amz-sns-message-id',
      'x-amz-sns-rawdelivery',
      'svix-id',
      'svix-timestamp',
      'svix-signature',
      'webhook-signature',
      'x-twilio-email-event-webhook-signature',
      'x-twilio-email-event-webhook-timestamp',
    ),
    fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/),
  ),
  printable,
  { maxKeys: 6 },
);

// ---- properties ----

describe(`the handler under ${RUNS} generated requests per property`, () => {
  afterAll(() => {
    if (process.env.FUZZ_RUNS) {
      // Only on a long run (npm run fuzz), so `npm test` stays quiet.
      console.info(
        `fuzz: ${JSON.stringify({ providers: providers.map((p) => p.name), ...stats })}`,
      );
    }
  });

  test('every registered provider is in the run', () => {
    expect(skipped).toEqual([]);
  });

  test('an unaltered signed seed is accepted (the fixtures exercise verification)', async () => {
    for (const seed of signedSeeds) {
      clock = seed.now;
      const response = await send(
        new Request(sesRoute, { method: 'POST', body: seed.text, headers: snsHeaders(seed.body) }),
      );
      expect(response instanceof Error ? response : response.status).toBe(200);
    }
  });

  test('random requests never throw and never answer 500', { timeout: TIMEOUT_MS }, async () => {
    await fc.assert(
      fc.asyncProperty(
        method,
        path,
        query,
        host,
        headers,
        fc.boolean(),
        body,
        async (m, p, q, h, hs, auth, b) => {
          clock = new Date();
          // With the shared-secret providers' dummy credentials, bodies reach their parsers.
          const all = auth ? { authorization: `Basic ${btoa('u:dummy-password')}`, ...hs } : hs;
          const init: Record<string, unknown> = {
            method: m,
            headers: h === undefined ? all : { ...all, host: h },
          };
          if (m !== 'GET' && m !== 'HEAD') init.body = b;
          const request = _request(`http://localhost${p}${q}`, init as RequestInit);
          if (!request) return; // no client could send it: the Request constructor refused it
          await expectWellFormed(await send(request), m);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('a signed message altered after signing is never delivered, and never a 500', {
    timeout: TIMEOUT_MS,
  }, async () => {
    const seed = fc.constantFrom(...signedSeeds);
    const fieldMutation = seed.chain((s) =>
      fc.constantFrom(...SIGNED_FIELDS.filter((f) => f in s.body)).chain((field) =>
        fc
          .oneof(
            mutationOf(String(s.body[field] ?? '')),
            anyText,
            fc.constantFrom<unknown>(null, 1, '', []),
          )
          .map((value) => {
            // Always a change: the same value again is not an alteration.
            const changed = value === s.body[field] ? `${String(value)}x` : value;
            const altered = { ...s.body, [field]: changed };
            return { seed: s, text: JSON.stringify(altered), headers: headersFor(altered, s.body) };
          }),
      ),
    );
    const byteMutation = seed.chain((s) =>
      mutationOf(s.text).map((text) => ({
        seed: s,
        text,
        headers: headersFor(_parse(text), s.body),
      })),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fieldMutation, byteMutation),
        async ({ seed: s, text, headers: hs }) => {
          clock = s.now;
          // Headers copied from an altered body may hold bytes no header can carry: send SNS's own.
          const request =
            _request(sesRoute, { method: 'POST', body: text, headers: hs }) ??
            new Request(sesRoute, { method: 'POST', body: text, headers: snsHeaders(s.body) });
          await expectWellFormed(await send(request), 'POST');
          const sameMessage = signedContent(_parse(text)) === signedContent(s.body);
          if (!sameMessage && received.length > 0) stats.mutatedDelivered++;
          if (!sameMessage) expect(received).toEqual([]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('totals: no throw, no 500, no altered message delivered', () => {
    expect({
      throws: stats.throws,
      status500: stats.status500,
      mutatedDelivered: stats.mutatedDelivered,
    }).toEqual({
      throws: 0,
      status500: 0,
      mutatedDelivered: 0,
    });
    // A mutated SigningCertURL can name a certificate the stub does not serve: 503, so SNS
    // retries, logged as an error by design. Nothing else may log an error.
    expect(errorLines.filter((l) => !JSON.stringify(l).includes('cert-unavailable'))).toEqual([]);
  });
});

function _request(url: string, init: RequestInit): Request | undefined {
  try {
    return new Request(url, init);
  } catch {
    return undefined;
  }
}

function _parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
