/** Cost of verifying one real AWS-signed SNS message with a warm certificate cache. */
import { bench, describe } from 'vitest';
import { isHttpError } from '../src/errors.js';
import { silentLogger } from '../src/log.js';
import { parseSnsEnvelope, type SnsMessage } from '../src/providers/ses/sns/envelope.js';
import { createSnsVerifier } from '../src/providers/ses/sns/verify.js';
import { realCertificates, realMessages } from '../test/fixtures/sns-real/index.js';
import { serveCertificates } from '../test/helpers/signing.js';
import { printMedian } from './median.js';

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

await printMedian('SNS verify (warm cache, real v1 message)', verifyOrThrow);

describe('SNS verification', () => {
  bench('verify a real AWS-signed notification, warm cache', verifyOrThrow);
});
