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
    const keys = await generateSigningKeys();
    const certPem = await issue(ca.keys, keys);
    const genuine = await createScalewaySigner({ keys, certPem, certUrl: GENUINE_URL });
    const rogueKeys = await generateSigningKeys();
    // Anyone can put a copy of Scaleway's public certificate in a bucket under scw.cloud.
    const calls: string[] = [];
    const fetch = (async (input: RequestInfo | URL) => {
      calls.push(String(input));
      return new Response(certPem, { status: 200 });
    }) as typeof globalThis.fetch;
    const { handle, events } = captureHandler(
      scaleway({ topicArns: [TOPIC_ARN], trustAnchors: ca.pem }),
      { fetch },
    );
    const send = async (signer: Awaited<ReturnType<typeof createScalewaySigner>>) => {
      const answer = await handle(
        scalewayRequest(await signer.sign(signer.notification(DELIVERED_EVENT))),
      );
      return [answer.status, ((await answer.json()) as { error?: string }).error ?? 'ok'];
    };
    expect(await send(genuine)).toEqual([200, 'ok']);
    for (let i = 0; i < 200; i++) {
      const rogue = await createScalewaySigner({
        keys: rogueKeys,
        certPem,
        certUrl: `https://bucket-${i}.s3.fr-par.scw.cloud/copy.pem`,
      });
      expect(await send(rogue)).toEqual([403, 'signature-invalid']);
      // Genuine traffic keeps flowing meanwhile, and keeps being accepted.
      if (i % 10 === 9) expect(await send(genuine)).toEqual([200, 'ok']);
    }
    expect(await send(genuine)).toEqual([200, 'ok']);
    expect(events).toHaveLength(22);
    // The genuine certificate, used all along, was downloaded once.
    expect(calls.filter((url) => url === GENUINE_URL)).toHaveLength(1);
    expect(calls).toHaveLength(201);
  });
});
