/** Scaleway inside workerd: the chain check (RSA over the DER tbsCertificate) and an SNS v1 signature. */
import { describe, expect, test } from 'vitest';
import delivered from '../fixtures/esps/scaleway_tem/constructed_email_delivered.json' with {
  type: 'json',
};
import { generateSigningKeys } from '../helpers/signing.js';
import {
  answer,
  createAuthority,
  createScalewaySigner,
  scalewayHandler,
  scalewayRequest,
  TOPIC_ARN,
} from '../providers/scaleway/helpers.js';

describe('Scaleway inside workerd', () => {
  test('a message signed with a certificate the anchor issued is delivered; a self-signed one is 403', async () => {
    const ca = await createAuthority();
    const signer = await createScalewaySigner({ issuer: ca.keys });
    const options = { topicArns: [TOPIC_ARN], trustAnchors: ca.pem };
    const { handle, received } = scalewayHandler(options, signer.fetch);
    const message = await signer.sign(signer.notification(delivered));
    expect(await answer(await handle(scalewayRequest(message)))).toEqual({ ok: true, events: 1 });
    expect(received.map((c) => [c.eventType, c.eventId, c.messageId])).toEqual([
      ['delivered', delivered.id, delivered.email_id],
    ]);

    const rogue = await createScalewaySigner({});
    const rogueHandler = scalewayHandler(options, rogue.fetch);
    const forged = await rogue.sign(rogue.notification(delivered));
    const response = await rogueHandler.handle(scalewayRequest(forged));
    expect([response.status, (await answer(response)).error]).toEqual([403, 'cert-untrusted']);
  });

  test('a signing certificate with a 1024-bit RSA key is 403 cert-invalid (workerd reports the modulus size)', async () => {
    const ca = await createAuthority();
    const weak = await createScalewaySigner({
      issuer: ca.keys,
      keys: await generateSigningKeys(1024),
    });
    const options = { topicArns: [TOPIC_ARN], trustAnchors: ca.pem };
    const { handle } = scalewayHandler(options, weak.fetch);
    const response = await handle(scalewayRequest(await weak.sign(weak.notification(delivered))));
    expect([response.status, (await answer(response)).error]).toEqual([403, 'cert-invalid']);
  });
});
