/** Cases for every rule checked before any download: each attack is refused and fetches nothing. */
import type { HttpError } from '../../../src/errors.js';
import { createSigner, type Signer, type SnsBody } from '../../helpers/signing.js';
import { assertAccepted, assertEqual, assertRefused, group, verifyOnce } from './harness.js';

const { cases, add } = group('refusals before download');

export { cases as refusalCases };

const HEX = '0123456789abcdef0123456789abcdef';
const PATH = `/SimpleNotificationService-${HEX}.pem`;

/** Asserts the refusal and that no certificate was asked for. */
async function _refusedUnfetched(
  signer: Signer,
  result: Promise<HttpError | undefined>,
  reason: string,
) {
  assertRefused(await result, 403, reason);
  assertEqual(signer.fetch.calls.length, 0, 'certificate downloads');
}

/** A correctly signed notification whose (unsigned) SigningCertURL is then replaced. */
async function _withCertUrl(certUrl: string): Promise<[Signer, SnsBody]> {
  const signer = await createSigner();
  const signed = await signer.sign(signer.notification());
  return [signer, { ...signed, SigningCertURL: certUrl }];
}

const CERT_URL_ATTACKS: readonly (readonly [string, string, string])[] = [
  ['an S3 bucket host', `https://sns.s3-ap-southeast-2.amazonaws.com${PATH}`, 'cert-url-host'],
  [
    'a host under another domain',
    `https://sns.us-east-1.amazonaws.com.evil.com${PATH}`,
    'cert-url-host',
  ],
  ['a look-alike suffix', `https://sns.us-east-1.amazonaws.co${PATH}`, 'cert-url-host'],
  ['a look-alike service label', `https://evilsns.us-east-1.amazonaws.com${PATH}`, 'cert-url-host'],
  ['an upper-case host', `https://SNS.us-east-1.amazonaws.com${PATH}`, 'cert-url-host'],
  ['a trailing-dot host', `https://sns.us-east-1.amazonaws.com.${PATH}`, 'cert-url-host'],
  ['a percent-encoded host', `https://sns.us-east-1.amazonaws%2ecom${PATH}`, 'cert-url-host'],
  ['a non-AWS host', `https://example.com${PATH}`, 'cert-url-host'],
  ['a query ending in .pem', 'https://sns.us-east-1.amazonaws.com/x?x=.pem', 'cert-url-query'],
  ['an empty query', `https://sns.us-east-1.amazonaws.com${PATH}?`, 'cert-url-query'],
  ['http', `http://sns.us-east-1.amazonaws.com${PATH}`, 'cert-url-scheme'],
  ['an upper-case scheme', `HTTPS://sns.us-east-1.amazonaws.com${PATH}`, 'cert-url-scheme'],
  ['a user name', `https://user@sns.us-east-1.amazonaws.com${PATH}`, 'cert-url-credentials'],
  ['a password', `https://user:pw@sns.us-east-1.amazonaws.com${PATH}`, 'cert-url-credentials'],
  ['an explicit :443', `https://sns.us-east-1.amazonaws.com:443${PATH}`, 'cert-url-port'],
  ['another port', `https://sns.us-east-1.amazonaws.com:8443${PATH}`, 'cert-url-port'],
  ['a fragment', `https://sns.us-east-1.amazonaws.com${PATH}#x`, 'cert-url-fragment'],
  ['a backslash', `https://sns.us-east-1.amazonaws.com\\${PATH.slice(1)}`, 'cert-url-invalid'],
  ['a wrong path', 'https://sns.us-east-1.amazonaws.com/evil.pem', 'cert-url-path'],
  [
    'upper-case hex in the path',
    `https://sns.us-east-1.amazonaws.com${PATH.toUpperCase().replace('.PEM', '.pem')}`,
    'cert-url-path',
  ],
  ['a dot segment', `https://sns.us-east-1.amazonaws.com/x/..${PATH}`, 'cert-url-path'],
  ['a %2e in the path', `https://sns.us-east-1.amazonaws.com/x/%2e%2e${PATH}`, 'cert-url-path'],
  [
    'a short hex id',
    'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem',
    'cert-url-path',
  ],
];

for (const [what, url, reason] of CERT_URL_ATTACKS) {
  add(`refuses a cert URL with ${what}`, async () => {
    const [signer, body] = await _withCertUrl(url);
    await _refusedUnfetched(signer, verifyOnce(signer.fetch, body), reason);
  });
}

add('refuses SignatureVersion 3', async () => {
  const signer = await createSigner();
  const body = { ...(await signer.sign(signer.notification())), SignatureVersion: '3' };
  await _refusedUnfetched(signer, verifyOnce(signer.fetch, body), 'signature-version');
});

add('refuses a message without SignatureVersion', async () => {
  const signer = await createSigner();
  const { SignatureVersion: _, ...body } = await signer.sign(signer.notification());
  await _refusedUnfetched(signer, verifyOnce(signer.fetch, body), 'signature-version');
});

add('refuses a message without Signature', async () => {
  const signer = await createSigner();
  const { Signature: _, ...body } = await signer.sign(signer.notification());
  await _refusedUnfetched(signer, verifyOnce(signer.fetch, body), 'signature-missing');
});

add('refuses a message without SigningCertURL', async () => {
  const signer = await createSigner();
  const { SigningCertURL: _, ...body } = await signer.sign(signer.notification());
  await _refusedUnfetched(signer, verifyOnce(signer.fetch, body), 'signature-missing');
});

add('refuses a Signature that is not base64', async () => {
  const signer = await createSigner();
  const body = { ...(await signer.sign(signer.notification())), Signature: 'not*base64!' };
  await _refusedUnfetched(signer, verifyOnce(signer.fetch, body), 'signature-invalid');
});

add('refuses a TopicArn outside the allow-list', async () => {
  const signer = await createSigner();
  const body = await signer.sign(signer.notification());
  const topicArns = ['arn:aws:sns:us-east-1:123456789012:other'];
  await _refusedUnfetched(
    signer,
    verifyOnce(signer.fetch, body, { topicArns }),
    'topic-not-allowed',
  );
});

add('refuses a TopicArn outside the allow-list even without signature checks', async () => {
  const signer = await createSigner();
  const options = {
    verifySignature: false,
    topicArns: ['arn:aws:sns:us-east-1:123456789012:other'],
  };
  const result = verifyOnce(signer.fetch, signer.notification(), options);
  await _refusedUnfetched(signer, result, 'topic-not-allowed');
});

add('accepts an allow-listed topic', async () => {
  const signer = await createSigner();
  const body = await signer.sign(signer.notification());
  assertAccepted(await verifyOnce(signer.fetch, body, { topicArns: [signer.topicArn] }));
});

add('refuses a topic in another region than the certificate host', async () => {
  const signer = await createSigner({ region: 'us-east-1' });
  const body = await signer.sign(
    signer.notification({ TopicArn: 'arn:aws:sns:us-west-2:123456789012:t' }),
  );
  await _refusedUnfetched(signer, verifyOnce(signer.fetch, body), 'topic-region-mismatch');
});

add('refuses a topic of another partition than the certificate host', async () => {
  const signer = await createSigner({ region: 'us-east-1' });
  const body = await signer.sign(
    signer.notification({ TopicArn: 'arn:aws-cn:sns:us-east-1:123456789012:t' }),
  );
  await _refusedUnfetched(signer, verifyOnce(signer.fetch, body), 'topic-partition-mismatch');
});

add('refuses a TopicArn that is not an SNS ARN', async () => {
  const signer = await createSigner();
  const body = await signer.sign(signer.notification({ TopicArn: 'mailhooks-test' }));
  await _refusedUnfetched(signer, verifyOnce(signer.fetch, body), 'topic-arn-invalid');
});

/**
 * A Timestamp `seconds` from now, read when the case runs: this module is loaded once a worker
 * (vitest.config.ts: not isolated), and a file running its cases minutes later found a time
 * taken "600 s ahead" at loading already under the 5 minutes allowed ahead.
 */
const fromNow = (seconds: number) => () => new Date(Date.now() + seconds * 1000).toISOString();

const AGE_CASES: readonly (readonly [string, string | (() => string), string])[] = [
  ['a stale Timestamp', fromNow(-3901), 'message-too-old'],
  ['a Timestamp far in the future', fromNow(600), 'timestamp-in-future'],
  ['an unreadable Timestamp', 'yesterday', 'timestamp-invalid'],
  ['a Timestamp in a non-ISO format', 'Tue, 01 Jul 2025 10:00:00 GMT', 'timestamp-invalid'],
  // No calendar instant: never rolled into the next month or day (Date.parse would).
  ['a Timestamp on February 30', '2026-02-30T00:10:00.000Z', 'timestamp-invalid'],
  ['a Timestamp at 24:00', '2026-11-27T24:00:00.000Z', 'timestamp-invalid'],
];

for (const [what, timestamp, reason] of AGE_CASES) {
  add(`refuses ${what}`, async () => {
    const signer = await createSigner();
    const Timestamp = typeof timestamp === 'string' ? timestamp : timestamp();
    const body = await signer.sign(signer.notification({ Timestamp }));
    await _refusedUnfetched(signer, verifyOnce(signer.fetch, body), reason);
  });
}

add('accepts an old message when maxAgeSeconds is 0', async () => {
  const signer = await createSigner();
  const body = await signer.sign(signer.notification({ Timestamp: '2020-01-01T00:00:00.000Z' }));
  assertAccepted(await verifyOnce(signer.fetch, body, { maxAgeSeconds: 0 }));
});

// docs/providers/ses.md: `0 turns it off`, the whole Timestamp rule (a clock far off included).
add('accepts a message an hour ahead of the clock when maxAgeSeconds is 0', async () => {
  const signer = await createSigner();
  const ahead = new Date(Date.now() + 3600 * 1000).toISOString();
  const body = await signer.sign(signer.notification({ Timestamp: ahead }));
  assertAccepted(await verifyOnce(signer.fetch, body, { maxAgeSeconds: 0 }));
});

add('accepts an unsigned message when verifySignature is false', async () => {
  const signer = await createSigner();
  assertAccepted(await verifyOnce(signer.fetch, signer.notification(), { verifySignature: false }));
  assertEqual(signer.fetch.calls.length, 0, 'certificate downloads');
});
