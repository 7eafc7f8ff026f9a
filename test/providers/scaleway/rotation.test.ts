/**
 * A Scaleway signing certificate rotated at the same URL (Symfony's parser test
 * testRotatedCertificateIsRefetched): the cached certificate no longer verifies, so it is
 * downloaded once more before the message is refused; a forgery is still refused.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { scaleway } from '../../../src/index.js';
import { captureHandler } from '../../helpers/capture-handler.js';
import { generateSigningKeys, serveCertificates } from '../../helpers/signing.js';
import {
  createAuthority,
  createScalewaySigner,
  DELIVERED_EVENT,
  issue,
  scalewayHandler,
  scalewayRequest,
  TOPIC_ARN,
} from './helpers.js';

const CERT_URL = 'https://messaging.s3.fr-par.scw.cloud/certs/cert-11111111.pem';
const DAY_MS = 24 * 60 * 60 * 1000;

let ca: Awaited<ReturnType<typeof createAuthority>>;
beforeAll(async () => {
  ca = await createAuthority();
});

/** Two signers for the same URL, as before and after a rotation, and a fetch serving `served.pem`. */
async function rotation() {
  const [oldKeys, newKeys] = await Promise.all([generateSigningKeys(), generateSigningKeys()]);
  const before = await createScalewaySigner({
    keys: oldKeys,
    certPem: await issue(ca.keys, oldKeys),
    certUrl: CERT_URL,
  });
  const after = await createScalewaySigner({
    keys: newKeys,
    certPem: await issue(ca.keys, newKeys),
    certUrl: CERT_URL,
  });
  const served = { pem: before.certPem };
  const fetch = serveCertificates({}, () => CERT_URL);
  // Serve whatever certificate is current at the one URL.
  const current = (async (input: RequestInfo | URL) => {
    fetch.calls.push(String(input));
    return new Response(served.pem, { status: 200 });
  }) as typeof globalThis.fetch;
  return { before, after, served, calls: fetch.calls, fetch: current };
}

describe('a certificate rotated at the same URL', () => {
  test('is downloaded again once, and the message signed with the new key is accepted', async () => {
    const { before, after, served, calls, fetch } = await rotation();
    const { handle, received } = scalewayHandler(
      { topicArns: [TOPIC_ARN], trustAnchors: ca.pem },
      fetch,
    );
    const first = await handle(
      scalewayRequest(await before.sign(before.notification(DELIVERED_EVENT))),
    );
    expect(first.status).toBe(200);
    served.pem = after.certPem;
    const second = await handle(
      scalewayRequest(await after.sign(after.notification(DELIVERED_EVENT))),
    );
    expect(second.status).toBe(200);
    expect(calls).toEqual([CERT_URL, CERT_URL]);
    expect(received).toHaveLength(2);
    // The new certificate is kept: the next message needs no download.
    const third = await handle(
      scalewayRequest(await after.sign(after.notification(DELIVERED_EVENT))),
    );
    expect(third.status).toBe(200);
    expect(calls).toHaveLength(2);
  });

  test('a forged message is still 403 signature-invalid, after one more download', async () => {
    const { before, served, calls, fetch } = await rotation();
    const { handle, received } = scalewayHandler(
      { topicArns: [TOPIC_ARN], trustAnchors: ca.pem },
      fetch,
    );
    expect(
      (await handle(scalewayRequest(await before.sign(before.notification(DELIVERED_EVENT)))))
        .status,
    ).toBe(200);
    const rogueKeys = await generateSigningKeys();
    const rogue = await createScalewaySigner({
      keys: rogueKeys,
      certPem: served.pem,
      certUrl: CERT_URL,
    });
    const forged = await handle(
      scalewayRequest(await rogue.sign(rogue.notification(DELIVERED_EVENT))),
    );
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { error: string }).error).toBe('signature-invalid');
    expect(calls).toEqual([CERT_URL, CERT_URL]);
    expect(received).toHaveLength(1);
  });

  test('forged messages naming a real certificate URL make at most one download a minute', async () => {
    const { before, served, calls, fetch } = await rotation();
    let clock = new Date();
    const { handle, events } = captureHandler(
      scaleway({ topicArns: [TOPIC_ARN], trustAnchors: ca.pem, maxAgeSeconds: 0 }),
      { fetch, now: () => clock },
    );
    expect(
      (await handle(scalewayRequest(await before.sign(before.notification(DELIVERED_EVENT)))))
        .status,
    ).toBe(200);
    const rogueKeys = await generateSigningKeys();
    const rogue = await createScalewaySigner({
      keys: rogueKeys,
      certPem: served.pem,
      certUrl: CERT_URL,
    });
    const forge = async () => {
      const answer = await handle(
        scalewayRequest(await rogue.sign(rogue.notification(DELIVERED_EVENT))),
      );
      return [answer.status, ((await answer.json()) as { error: string }).error];
    };
    for (let i = 0; i < 5; i++) expect(await forge()).toEqual([403, 'signature-invalid']);
    expect(calls).toEqual([CERT_URL, CERT_URL]);
    clock = new Date(clock.getTime() + 61_000);
    expect(await forge()).toEqual([403, 'signature-invalid']);
    expect(calls).toEqual([CERT_URL, CERT_URL, CERT_URL]);
    expect(events).toHaveLength(1);
  });

  test('a replayed message (403 message-too-old) leaves the cached certificate: the next message needs no download', async () => {
    const { before, calls, fetch } = await rotation();
    const { handle, received } = scalewayHandler(
      { topicArns: [TOPIC_ARN], trustAnchors: ca.pem },
      fetch,
    );
    const genuine = async () =>
      handle(scalewayRequest(await before.sign(before.notification(DELIVERED_EVENT))));
    expect((await genuine()).status).toBe(200);
    // Only a refusal a newer certificate could lift downloads the certificate again.
    const replayed = before.notification(DELIVERED_EVENT, {
      Timestamp: new Date(Date.now() - 9 * 3600 * 1000).toISOString(),
    });
    const refused = await handle(scalewayRequest(await before.sign(replayed)));
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: string }).error).toBe('message-too-old');
    expect((await genuine()).status).toBe(200);
    expect(calls).toEqual([CERT_URL]);
    expect(received).toHaveLength(2);
  });

  test('an expired cached certificate is replaced by the one now served', async () => {
    const { after, served, calls, fetch } = await rotation();
    const oldKeys = await generateSigningKeys();
    const expiring = await createScalewaySigner({
      keys: oldKeys,
      certPem: await issue(ca.keys, oldKeys, {
        notBefore: new Date(Date.now() - 2 * DAY_MS),
        notAfter: new Date(Date.now() + DAY_MS),
      }),
      certUrl: CERT_URL,
    });
    served.pem = expiring.certPem;
    let clock = new Date();
    const { handle } = captureHandler(
      scaleway({ topicArns: [TOPIC_ARN], trustAnchors: ca.pem, maxAgeSeconds: 0 }),
      { fetch, now: () => clock },
    );
    const first = await expiring.sign(expiring.notification(DELIVERED_EVENT));
    expect((await handle(scalewayRequest(first))).status).toBe(200);
    // Two days on, the cached certificate has expired and the URL serves its successor.
    served.pem = after.certPem;
    clock = new Date(Date.now() + 2 * DAY_MS);
    const second = await after.sign(
      after.notification(DELIVERED_EVENT, { Timestamp: clock.toISOString() }),
    );
    expect((await handle(scalewayRequest(second))).status).toBe(200);
    expect(calls).toEqual([CERT_URL, CERT_URL]);
  });

  test('a cached certificate not valid yet is replaced by the one now served', async () => {
    const { after, served, calls, fetch } = await rotation();
    const earlyKeys = await generateSigningKeys();
    const early = await createScalewaySigner({
      keys: earlyKeys,
      certPem: await issue(ca.keys, earlyKeys, {
        notBefore: new Date(Date.now() + DAY_MS),
        notAfter: new Date(Date.now() + 365 * DAY_MS),
      }),
      certUrl: CERT_URL,
    });
    // The URL served a certificate published ahead of its validity: it is cached, and refused.
    served.pem = early.certPem;
    const { handle, events } = captureHandler(
      scaleway({ topicArns: [TOPIC_ARN], trustAnchors: ca.pem, maxAgeSeconds: 0 }),
      { fetch },
    );
    const refused = await handle(
      scalewayRequest(await early.sign(early.notification(DELIVERED_EVENT))),
    );
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: string }).error).toBe('cert-not-yet-valid');
    // Now it serves the certificate in use: the stale copy is downloaded again, not kept.
    served.pem = after.certPem;
    const second = await handle(
      scalewayRequest(await after.sign(after.notification(DELIVERED_EVENT))),
    );
    expect(second.status).toBe(200);
    expect(calls).toEqual([CERT_URL, CERT_URL]);
    expect(events.map((e) => e.recipient)).toEqual(['recipient@example.com']);
  });
});
