/**
 * In-process costs on Node: the whole handler (core and `mailhooks/node`), verification alone and
 * parsing alone, beside `sns-validator` and `sns-payload-validator` verifying the same messages.
 */
import { EventEmitter } from 'node:events';
import https from 'node:https';
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import * as node from '../src/adapters/node.js';
import { nodeVerifyRsa } from '../src/adapters/node-crypto.js';
import { isHttpError } from '../src/errors.js';
import { createMailWebhookHandler, EventBus, ses } from '../src/index.js';
import { createJsonLogger, silentLogger } from '../src/log.js';
import { parseSesMessage } from '../src/providers/ses/parse.js';
import { parseSnsEnvelope, type SnsMessage } from '../src/providers/ses/sns/envelope.js';
import { createSnsVerifier } from '../src/providers/ses/sns/verify.js';
import bounceEvent from '../test/fixtures/ses/event-publishing-bounce.json' with { type: 'json' };
import deliveryEvent from '../test/fixtures/ses/event-publishing-delivery.json' with {
  type: 'json',
};
import { realCertificates, realMessages } from '../test/fixtures/sns-real/index.js';
import { snsHeaders } from '../test/helpers/envelope.js';
import { createSigner } from '../test/helpers/signing.js';
import { measureTogether, type Timing } from './measure.js';

const require = createRequire(import.meta.url);
type Callback = (error: Error | null) => void;
const SnsValidator = require('sns-validator') as new () => {
  validate(message: object, cb: Callback): void;
};
const SnsPayloadValidator = require('sns-payload-validator') as new () => {
  validate(message: object): Promise<unknown>;
};

export interface Row {
  readonly group: string;
  readonly what: string;
  readonly message: string;
  readonly concurrency: number;
  readonly timing: Timing;
}

const RUNS = Number(process.env.BENCH_RUNS ?? 2000);
const URL_SES = 'http://localhost/webhooks/mail/ses';

/** A 50-recipient bounce with the full header list SES sends, tags and metadata headers. */
function _bigBounce(): object {
  const recipients = Array.from({ length: 50 }, (_, i) => `user${i}@example.com`);
  const headers = [
    ...bounceEvent.mail.headers,
    { name: 'X-Tag', value: 'newsletter' },
    { name: 'X-Tag', value: 'weekly' },
    { name: 'X-Metadata', value: '{"campaign":"spring","cohort":"b"}' },
    { name: 'X-Metadata-Customer', value: 'c-42' },
    ...Array.from({ length: 12 }, (_, i) => ({ name: `X-Custom-${i}`, value: `value ${i}` })),
  ];
  return {
    ...bounceEvent,
    mail: { ...bounceEvent.mail, destination: recipients, headers },
    bounce: {
      ...bounceEvent.bounce,
      bouncedRecipients: recipients.map((emailAddress) => ({
        emailAddress,
        action: 'failed',
        status: '5.1.1',
        diagnosticCode: 'smtp; 550 5.1.1 user unknown',
      })),
    },
  };
}

/** Serves certificates to the peers' `https.get`: no network. */
function _stubHttpsGet(pems: Record<string, string>): void {
  const get = (url: string, ...rest: unknown[]) => {
    const callback = rest.find((r) => typeof r === 'function') as (res: unknown) => void;
    const res = Object.assign(new PassThrough(), { statusCode: pems[url] ? 200 : 404 });
    queueMicrotask(() => {
      callback(res);
      res.end(pems[url] ?? '');
    });
    return new EventEmitter();
  };
  (https as unknown as { get: unknown }).get = get;
}

export async function inProcess(log: (line: string) => void): Promise<Row[]> {
  const signer = await createSigner();
  const realFixture = realMessages.find((m) =>
    m.name.endsWith('notification-2019-no-subject.json'),
  );
  if (!realFixture) throw new Error('real SNS fixture missing');
  const certUrlOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);
  const pems: Record<string, string> = { [signer.certUrl]: signer.certPem };
  const real = JSON.parse(realFixture.json) as Record<string, string>;
  const realUrl = real.SigningCertURL ?? '';
  pems[realUrl] = realCertificates[certUrlOf(realUrl)] ?? '';
  _stubHttpsGet(pems);

  const sign = (event: object) =>
    signer.sign(signer.notification({ Message: JSON.stringify(event) }), '1');
  const messages: Record<string, Record<string, string>> = {
    'SES Delivery, 1 recipient': await sign(deliveryEvent),
    'SES Bounce, 50 recipients': await sign(_bigBounce()),
  };
  // Event lines are built as the console logger would, then dropped: their cost counts.
  const options = () => ({
    sinks: [new EventBus()],
    logger: createJsonLogger(() => {}),
    fetch: signer.fetch,
    providers: [ses({ topicArns: [signer.topicArn] })],
  });
  const handlers = {
    'mailhooks/node handler': node.createMailWebhookHandler(options()),
    'core handler (crypto.subtle)': createMailWebhookHandler(options()),
  };

  // Every subject is queued first, then measured beside the others on the same message (their
  // blocks taking turns: see measureTogether), so each ratio compares figures from one moment.
  const subjects: Subject[] = [];
  const add = (
    group: string,
    what: string,
    message: string,
    fn: () => Promise<unknown>,
    runs = RUNS,
  ) => subjects.push({ group, what, message, fn, runs });

  for (const [label, message] of Object.entries(messages)) {
    const body = JSON.stringify(message);
    const headers = snsHeaders(message);
    for (const [what, handler] of Object.entries(handlers)) {
      add('whole handler', what, label, async () => {
        const response = await handler(new Request(URL_SES, { method: 'POST', headers, body }));
        if (response.status !== 200) throw new Error(`${what}: status ${response.status}`);
        await response.arrayBuffer();
      });
    }
  }

  const verifyCases: Record<string, { json: Record<string, string>; now: () => Date }> = {
    'SES Delivery, 1 recipient': {
      json: messages['SES Delivery, 1 recipient'] ?? {},
      now: () => new Date(),
    },
    'real AWS-signed v1 message': { json: real, now: () => new Date(real.Timestamp ?? '') },
  };
  for (const [label, { json, now }] of Object.entries(verifyCases)) {
    const parsed = parseSnsEnvelope(JSON.stringify(json));
    if (isHttpError(parsed)) throw new Error(parsed.message);
    const message: SnsMessage = parsed;
    const base = { verifySignature: true, maxAgeSeconds: 0, fetch: signer.fetch, now };
    const fetchReal = (input: RequestInfo | URL) =>
      Promise.resolve(new Response(pems[String(input)] ?? '', { status: 200 }));
    const verifiers = {
      'mailhooks/node verifier': createSnsVerifier({
        ...base,
        fetch: fetchReal,
        logger: silentLogger,
        verifyRsa: nodeVerifyRsa,
      }),
      'core verifier (crypto.subtle)': createSnsVerifier({
        ...base,
        fetch: fetchReal,
        logger: silentLogger,
      }),
    };
    for (const [what, verify] of Object.entries(verifiers)) {
      add('verification alone', what, label, async () => {
        const refusal = await verify(message);
        if (refusal) throw new Error(`${what}: ${refusal.reason}: ${refusal.message}`);
      });
    }
    const validator = new SnsValidator();
    add('verification alone', 'sns-validator 0.3.5', label, () => {
      const copy = { ...json };
      return new Promise<void>((resolve, reject) =>
        validator.validate(copy, (error) => (error ? reject(error) : resolve())),
      );
    });
    const payloadValidator = new SnsPayloadValidator();
    add('verification alone', 'sns-payload-validator 2.1.0', label, () =>
      payloadValidator.validate({ ...json }),
    );
  }

  for (const [label, message] of Object.entries(messages)) {
    const body = JSON.stringify(message);
    add(
      'parsing alone',
      'envelope + SES event',
      label,
      async () => {
        const envelope = parseSnsEnvelope(body);
        if (isHttpError(envelope)) throw new Error(envelope.message);
        const result = parseSesMessage(envelope.Message, {
          eventId: envelope.MessageId,
          fallback: new Date(),
          logger: silentLogger,
        });
        if (isHttpError(result) || result.kind !== 'events') throw new Error('not parsed');
      },
      RUNS * 2,
    );
  }

  return measureAll(subjects, log);
}

interface Subject {
  readonly group: string;
  readonly what: string;
  readonly message: string;
  readonly fn: () => Promise<unknown>;
  readonly runs: number;
}

/** Measures the subjects of each message together, at concurrency 1 and 16; rows in queue order. */
async function measureAll(subjects: Subject[], log: (line: string) => void): Promise<Row[]> {
  const timings = new Map<Subject, Map<number, Timing>>();
  const batches = new Map<string, Subject[]>();
  for (const subject of subjects) {
    // Parsing alone is not compared with anything: it runs on its own.
    const key =
      subject.group === 'parsing alone'
        ? `${subject.group}/${subject.what}/${subject.message}`
        : subject.message;
    batches.set(key, [...(batches.get(key) ?? []), subject]);
  }
  for (const batch of batches.values()) {
    for (const concurrency of [1, 16]) {
      // One block size per batch (the subjects compared share RUNS).
      const runs = Math.min(...batch.map((s) => s.runs));
      const measured = await measureTogether(
        batch.map((s) => s.fn),
        concurrency,
        runs,
      );
      for (const [index, subject] of batch.entries()) {
        const timing = measured[index];
        if (!timing) continue;
        const byConcurrency = timings.get(subject) ?? new Map<number, Timing>();
        byConcurrency.set(concurrency, timing);
        timings.set(subject, byConcurrency);
        log(
          `${subject.group} | ${subject.what} | ${subject.message} | c${concurrency}: median ${timing.median.toFixed(1)} µs, p99 ${timing.p99.toFixed(1)} µs`,
        );
      }
    }
  }
  return subjects.flatMap((subject) =>
    [...(timings.get(subject) ?? [])].map(([concurrency, timing]) => ({
      group: subject.group,
      what: subject.what,
      message: subject.message,
      concurrency,
      timing,
    })),
  );
}
