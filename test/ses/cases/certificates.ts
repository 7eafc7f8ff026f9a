/** Cases for the certificate: its key, names and validity, and how it is downloaded and cached. */
import { createSigner, generateSigningKeys, serveCertificates } from '../../helpers/signing.js';
import {
  assertAccepted,
  assertEqual,
  assertRefused,
  group,
  parseMessage,
  verifierFor,
  verifyOnce,
} from './harness.js';

const { cases, add } = group('certificates');

export { cases as certificateCases };

const DAY_MS = 24 * 60 * 60 * 1000;

for (const version of ['1', '2'] as const) {
  add(`accepts a v${version} Notification signed by a generated key`, async () => {
    const signer = await createSigner();
    const body = await signer.sign(
      signer.notification({ Subject: 'Amazon SES Email Event' }),
      version,
    );
    assertAccepted(await verifyOnce(signer.fetch, body));
  });
}

add('signs values exactly as received: whitespace, CR LF, non-ASCII', async () => {
  const signer = await createSigner();
  const fields = { Message: ' {"a":"\u00e9\ud83c\udf4c"}\r\n ', Subject: '  Sujet  ' };
  assertAccepted(await verifyOnce(signer.fetch, await signer.sign(signer.notification(fields))));
});

add('refuses a v2-signed message relabelled as SignatureVersion 1', async () => {
  const signer = await createSigner();
  const body = { ...(await signer.sign(signer.notification(), '2')), SignatureVersion: '1' };
  assertRefused(await verifyOnce(signer.fetch, body), 403, 'signature-invalid');
});

add('refuses a message signed by a key other than the certificate URL serves', async () => {
  const signer = await createSigner();
  const foreign = await createSigner({
    certUrl: signer.certUrl,
    keys: await generateSigningKeys(),
  });
  const body = await foreign.sign(foreign.notification());
  assertRefused(await verifyOnce(signer.fetch, body), 403, 'signature-invalid');
});

for (const region of ['eu-central-1', 'us-gov-west-1', 'cn-north-1', 'eusc-de-east-1']) {
  const suffix = region.startsWith('cn-')
    ? 'amazonaws.com.cn'
    : region.startsWith('eusc-')
      ? 'amazonaws.eu'
      : 'amazonaws.com';
  add(`accepts a message signed through sns.${region}.${suffix}`, async () => {
    const signer = await createSigner({ region, suffix });
    assertAccepted(await verifyOnce(signer.fetch, await signer.sign(signer.notification())));
  });
}

const NAME_CASES: readonly (readonly [string, readonly string[], string, boolean])[] = [
  ['its regional name', ['sns.us-east-1.amazonaws.com'], 'sns.us-east-1.amazonaws.com', true],
  ['its regional signing name', ['sns-signing.us-east-1.amazonaws.com'], 'x', true],
  ['sns.amazonaws.com in the CN only', [], 'sns.amazonaws.com', true],
  // DNS names compare without regard to case (RFC 6125 6.4.1).
  ['its regional name in capitals', ['SNS.US-EAST-1.AMAZONAWS.COM'], 'x', true],
  ['CN=example.com', [], 'example.com', false],
  ['another name in the SAN', ['example.com'], 'example.com', false],
  ["another region's name", ['sns.eu-west-1.amazonaws.com'], 'sns.eu-west-1.amazonaws.com', false],
];

for (const [what, names, commonName, accepted] of NAME_CASES) {
  add(`${accepted ? 'accepts' : 'refuses'} a certificate naming ${what}`, async () => {
    const signer = await createSigner({ names, commonName });
    const result = await verifyOnce(signer.fetch, await signer.sign(signer.notification()));
    if (accepted) assertAccepted(result);
    else assertRefused(result, 403, 'cert-name');
  });
}

add('refuses an expired certificate', async () => {
  const signer = await createSigner({
    notBefore: new Date(Date.now() - 30 * DAY_MS),
    notAfter: new Date(Date.now() - DAY_MS),
  });
  assertRefused(
    await verifyOnce(signer.fetch, await signer.sign(signer.notification())),
    403,
    'cert-expired',
  );
});

add('refuses a certificate that is not yet valid', async () => {
  const signer = await createSigner({
    notBefore: new Date(Date.now() + DAY_MS),
    notAfter: new Date(Date.now() + 30 * DAY_MS),
  });
  assertRefused(
    await verifyOnce(signer.fetch, await signer.sign(signer.notification())),
    403,
    'cert-not-yet-valid',
  );
});

// RFC 5280 4.1.2.5: the validity period runs from notBefore through notAfter, inclusive.
add('accepts a certificate at the first and at the last second of its validity', async () => {
  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000 - DAY_MS);
  const notAfter = new Date(notBefore.getTime() + 2 * DAY_MS);
  const signer = await createSigner({ notBefore, notAfter });
  const message = parseMessage(await signer.sign(signer.notification()));
  for (const at of [notBefore, notAfter]) {
    const verify = verifierFor(signer.fetch, { now: () => at, maxAgeSeconds: 0 });
    assertAccepted(await verify(message));
  }
});

add('accepts a certificate whose notAfter is a GeneralizedTime (2050 and later)', async () => {
  const signer = await createSigner({ notAfter: new Date('2051-01-01T00:00:00Z') });
  assertAccepted(await verifyOnce(signer.fetch, await signer.sign(signer.notification())));
});

add('refuses a cached certificate once the clock passes its notAfter', async () => {
  const notAfter = new Date(Date.now() + 60 * 60 * 1000);
  const signer = await createSigner({ notAfter });
  let now = new Date();
  const verify = verifierFor(signer.fetch, { now: () => now, maxAgeSeconds: 0 });
  const message = parseMessage(await signer.sign(signer.notification()));
  assertAccepted(await verify(message));
  now = new Date(notAfter.getTime() + 1000);
  assertRefused(await verify(message), 403, 'cert-expired');
  assertEqual(signer.fetch.calls.length, 1, 'certificate downloads');
});

add('refuses a certificate URL that serves something other than a certificate', async () => {
  const signer = await createSigner();
  const fetchStub = serveCertificates({
    [signer.certUrl]: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
  });
  assertRefused(
    await verifyOnce(fetchStub, await signer.sign(signer.notification())),
    403,
    'cert-invalid',
  );
});

add('50 concurrent cold verifications download the certificate once', async () => {
  const signer = await createSigner();
  const verify = verifierFor(signer.fetch);
  const messages = await Promise.all(
    Array.from({ length: 50 }, async () => parseMessage(await signer.sign(signer.notification()))),
  );
  const results = await Promise.all(messages.map((message) => verify(message)));
  for (const result of results) assertAccepted(result);
  assertEqual(signer.fetch.calls.length, 1, 'certificate downloads');
});

add(
  'answers 503 while the certificate host fails, then recovers without a cached failure',
  async () => {
    const signer = await createSigner();
    const verify = verifierFor(signer.fetch);
    const message = parseMessage(await signer.sign(signer.notification()));
    signer.fetch.outage = 503;
    assertRefused(await verify(message), 503, 'cert-unavailable');
    signer.fetch.outage = undefined;
    assertAccepted(await verify(message));
    assertEqual(signer.fetch.calls.length, 2, 'certificate downloads');
  },
);

add('answers 503 when the certificate download fails with a network error', async () => {
  const signer = await createSigner();
  signer.fetch.outage = 'network';
  assertRefused(
    await verifyOnce(signer.fetch, await signer.sign(signer.notification())),
    503,
    'cert-unavailable',
  );
});

add(
  'refuses 403 when the certificate URL serves no certificate (404): a retry would not find one',
  async () => {
    const signer = await createSigner();
    const body = { ...(await signer.sign(signer.notification())) };
    assertRefused(await verifyOnce(serveCertificates({}), body), 403, 'cert-invalid');
  },
);

add(
  'answers 503 for 408 and 429 from the certificate host, 403 for a redirect or 403',
  async () => {
    const signer = await createSigner();
    const body = await signer.sign(signer.notification());
    for (const [status, expected] of [
      [408, 503],
      [429, 503],
      [502, 503],
      [301, 403],
      [403, 403],
    ] as const) {
      signer.fetch.outage = status;
      const reason = expected === 503 ? 'cert-unavailable' : 'cert-invalid';
      assertRefused(await verifyOnce(signer.fetch, body), expected, reason);
    }
  },
);

add('answers 503 when the certificate download times out', async () => {
  const signer = await createSigner();
  signer.fetch.outage = 'hang';
  const body = await signer.sign(signer.notification());
  assertRefused(
    await verifyOnce(signer.fetch, body, { fetchTimeoutMs: 20 }),
    503,
    'cert-unavailable',
  );
});

add('keeps at most 32 certificates, dropping the least recently used', async () => {
  const keys = await generateSigningKeys();
  const signers = await Promise.all(Array.from({ length: 33 }, () => createSigner({ keys })));
  const served = Object.fromEntries(signers.map((signer) => [signer.certUrl, signer.certPem]));
  const fetchStub = serveCertificates(served);
  const verify = verifierFor(fetchStub);
  const messages = await Promise.all(
    signers.map(async (s) => parseMessage(await s.sign(s.notification()))),
  );
  for (const message of messages) assertAccepted(await verify(message));
  assertAccepted(await verify(messages[32] as never));
  assertEqual(fetchStub.calls.length, 33, 'downloads before eviction shows');
  assertAccepted(await verify(messages[0] as never));
  assertEqual(fetchStub.calls.length, 34, 'downloads after the first URL was evicted');
});
