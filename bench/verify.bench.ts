/** Cost of verifying one real AWS-signed SNS message with a warm certificate cache. */
import { bench, describe } from 'vitest';
import { isHttpError } from '../src/errors.js';
import { parseSnsEnvelope, type SnsMessage } from '../src/esp/ses/sns/envelope.js';
import { createSnsVerifier } from '../src/esp/ses/sns/verify.js';
import { silentLogger } from '../src/log.js';
import { realCertificates, realMessages } from '../test/fixtures/sns-real/index.js';
import { serveCertificates } from '../test/helpers/signing.js';

const fixture = realMessages.find((m) => m.name.endsWith('notification-2019-no-subject.json'));
const message = parseSnsEnvelope(fixture?.json ?? '') as SnsMessage;
if (isHttpError(message)) throw new Error(message.message);

const verify = createSnsVerifier({
  verifySignature: true,
  maxAgeSeconds: 3900,
  fetch: serveCertificates(realCertificates, (url) => url.slice(url.lastIndexOf('/') + 1)),
  now: () => new Date(message.Timestamp),
  logger: silentLogger,
});

async function verifyOrThrow(): Promise<void> {
  const refusal = await verify(message);
  if (refusal) throw new Error(`${refusal.reason}: ${refusal.message}`);
}

/** Times `runs` warm verifications one by one and prints their median. */
async function printMedian(runs: number): Promise<void> {
  for (let i = 0; i < 200; i++) await verifyOrThrow(); // warm the cache and the JIT
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await verifyOrThrow();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(runs / 2)] ?? Number.NaN;
  // workerd freezes its clock between I/O (a Spectre mitigation), so it cannot time this.
  if (median === 0) {
    console.log(
      'SNS verify: this runtime stops the clock during CPU work; run with --project node',
    );
    return;
  }
  console.log(
    `SNS verify (warm cache, real v1 message): median ${(median * 1000).toFixed(1)} µs over ${runs} runs`,
  );
}

await printMedian(5000);

describe('SNS verification', () => {
  bench('verify a real AWS-signed notification, warm cache', verifyOrThrow);
});
