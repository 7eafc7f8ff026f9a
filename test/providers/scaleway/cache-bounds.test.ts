/**
 * The Scaleway verifier's state across requests: what one request downloads must not change the
 * answer a later genuine message gets, however many certificate URLs forged requests name.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { scaleway } from '../../../src/index.js';
import { captureHandler } from '../../helpers/capture-handler.js';
import { generateSigningKeys } from '../../helpers/signing.js';
import {
  createAuthority,
  createScalewaySigner,
  DELIVERED_EVENT,
  issue,
  scalewayRequest,
  TOPIC_ARN,
} from './helpers.js';

const GENUINE_URL = 'https://messaging.s3.fr-par.scw.cloud/certs/genuine.pem';

let ca: Awaited<ReturnType<typeof createAuthority>>;
beforeAll(async () => {
  ca = await createAuthority();
});

describe('Scaleway certificates named by forged requests', () => {
  test('copies of the real certificate on 200 bucket URLs do not make the genuine one refused', async () => {
    // Anyone can put a copy of Scaleway's public certificate in a bucket under scw.cloud.
    const { genuine, forge, downloads, calls, events } = await forgeries();
    expect(await genuine(GENUINE_URL)).toEqual([200, 'ok']);
    for (let i = 0; i < 200; i++) {
      expect(await forge(bucket(i))).toEqual([403, 'signature-invalid']);
      // Genuine traffic keeps flowing meanwhile, and keeps being accepted.
      if (i % 10 === 9) expect(await genuine(GENUINE_URL)).toEqual([200, 'ok']);
    }
    expect(await genuine(GENUINE_URL)).toEqual([200, 'ok']);
    expect(events).toHaveLength(22);
    // The genuine certificate, used all along, was downloaded once.
    expect(downloads(GENUINE_URL)).toBe(1);
    expect(calls).toHaveLength(201);
  });

  /** A handler on a movable clock whose fetch serves the real certificate at every URL, and forgeries of it. */
  async function forgeries() {
    const keys = await generateSigningKeys();
    const certPem = await issue(ca.keys, keys);
    const rogueKeys = await generateSigningKeys();
    const calls: string[] = [];
    const fetch = (async (input: RequestInfo | URL) => {
      calls.push(String(input));
      return new Response(certPem, { status: 200 });
    }) as typeof globalThis.fetch;
    const clock = { now: new Date() };
    const { handle, events } = captureHandler(
      scaleway({ topicArns: [TOPIC_ARN], trustAnchors: ca.pem, maxAgeSeconds: 0 }),
      { fetch, now: () => clock.now },
    );
    const send = async (signer: Awaited<ReturnType<typeof createScalewaySigner>>) => {
      const answer = await handle(
        scalewayRequest(await signer.sign(signer.notification(DELIVERED_EVENT))),
      );
      return [answer.status, ((await answer.json()) as { error?: string }).error ?? 'ok'];
    };
    const genuine = async (certUrl: string) =>
      send(await createScalewaySigner({ keys, certPem, certUrl }));
    const forge = async (certUrl: string) =>
      send(await createScalewaySigner({ keys: rogueKeys, certPem, certUrl }));
    /** Downloaded, then downloaded again on a forgery (the re-download is remembered). */
    const forgeTwice = async (certUrl: string) => {
      expect(await forge(certUrl)).toEqual([403, 'signature-invalid']);
      expect(await forge(certUrl)).toEqual([403, 'signature-invalid']);
    };
    const downloads = (url: string) => calls.filter((call) => call === url).length;
    return { clock, genuine, forge, forgeTwice, downloads, calls, events };
  }

  const bucket = (i: number) => `https://bucket-${i}.s3.fr-par.scw.cloud/copy.pem`;

  test('the once-a-minute memory of re-downloads holds 32 URLs, not one per forged URL', async () => {
    const { genuine, forge, forgeTwice, downloads } = await forgeries();
    await forgeTwice(GENUINE_URL);
    expect(downloads(GENUINE_URL)).toBe(2);
    for (let i = 0; i < 32; i++) {
      await forgeTwice(bucket(i));
      // Genuine traffic keeps its certificate cached meanwhile.
      if (i === 15) expect(await genuine(GENUINE_URL)).toEqual([200, 'ok']);
    }
    // 32 URLs re-downloaded since: the oldest is forgotten, so it may be downloaded once more.
    expect(await forge(GENUINE_URL)).toEqual([403, 'signature-invalid']);
    expect(downloads(GENUINE_URL)).toBe(3);
  });

  test('the URL re-downloaded last is the last forgotten: it keeps its once-a-minute limit', async () => {
    const { clock, forge, forgeTwice, downloads } = await forgeries();
    await forgeTwice(GENUINE_URL);
    for (let i = 0; i < 31; i++) await forgeTwice(bucket(i));
    clock.now = new Date(clock.now.getTime() + 61_000);
    // A minute on, it may be downloaded again: it is now the latest URL remembered.
    expect(await forge(GENUINE_URL)).toEqual([403, 'signature-invalid']);
    expect(downloads(GENUINE_URL)).toBe(3);
    await forgeTwice(bucket(31));
    // The 33rd URL made the oldest (bucket 0) forgotten, not the one just re-downloaded.
    expect(await forge(GENUINE_URL)).toEqual([403, 'signature-invalid']);
    expect(downloads(GENUINE_URL)).toBe(3);
  });
});
