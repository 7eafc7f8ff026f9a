/**
 * The research's SNS-envelope fixture (constructed_sns_envelope_email_delivered.json), its
 * MessageId, TopicArn, Timestamp and Message string kept as on file, signed with the test PKI in
 * place of its placeholder Signature and SigningCertURL, through the real handler.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { scaleway } from '../../../src/index.js';
import { captureHandler } from '../../helpers/capture-handler.js';
import { generateSigningKeys, type SnsBody } from '../../helpers/signing.js';
import {
  answer,
  type CertificateAuthority,
  createAuthority,
  createScalewaySigner,
  issue,
  type ScalewaySigner,
  scalewayRequest,
} from './helpers.js';

const FILE = new URL(
  '../../fixtures/esps/scaleway_tem/constructed_sns_envelope_email_delivered.json',
  import.meta.url,
);
const ENVELOPE = JSON.parse(readFileSync(FILE, 'utf8')) as SnsBody;
// The clock a minute after the envelope's Timestamp; the certificates valid around it.
const CLOCK = new Date(Date.parse(ENVELOPE.Timestamp ?? '') + 60_000);
const DAY_MS = 24 * 60 * 60 * 1000;

let ca: CertificateAuthority;
let signer: ScalewaySigner;
beforeAll(async () => {
  const validity = {
    notBefore: new Date(CLOCK.getTime() - 30 * DAY_MS),
    notAfter: new Date(CLOCK.getTime() + 365 * DAY_MS),
  };
  ca = await createAuthority('Test MnQ Root', validity);
  const keys = await generateSigningKeys();
  signer = await createScalewaySigner({ keys, certPem: await issue(ca.keys, keys, validity) });
});

/** The envelope as on file, minus the placeholders the signer fills in. */
function envelope(fields: SnsBody = {}): SnsBody {
  const { Signature: _s, SigningCertURL: _c, SignatureVersion: _v, ...rest } = ENVELOPE;
  return { ...rest, ...fields };
}

const handler = (topicArns = [ENVELOPE.TopicArn ?? '']) =>
  captureHandler(scaleway({ topicArns, trustAnchors: ca.pem }), {
    fetch: signer.fetch,
    now: () => CLOCK,
  });

describe('the Scaleway SNS envelope fixture', () => {
  test('signed (v1) from its topic: one delivered event with the TEM fields', async () => {
    const { handle, events } = handler();
    const response = await handle(scalewayRequest(await signer.sign(envelope(), '1')));
    expect([response.status, await answer(response)]).toEqual([200, { ok: true, events: 1 }]);
    const message = JSON.parse(ENVELOPE.Message ?? '');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      eventType: 'delivered',
      recipient: 'recipient@example.net',
      // The TEM email_id, not the Message-Id header; the TEM event id, not the SNS MessageId.
      messageId: '55555555-5555-4555-8555-555555555555',
      eventId: '44444444-0000-4000-8000-000000000002',
      timestamp: new Date('2025-03-26T10:00:05Z'),
      espName: 'scaleway',
      mtaResponse: '250 2.0.0 OK',
      rejectCategory: null,
      permanent: null,
      rawEvent: message,
    });
  });

  test('the same envelope from a topic not allowed is 403 topic-not-allowed', async () => {
    const { handle, events } = handler(['arn:scw:sns:fr-par:project-x:other']);
    const response = await handle(scalewayRequest(await signer.sign(envelope(), '1')));
    expect([response.status, (await answer(response)).error]).toEqual([403, 'topic-not-allowed']);
    expect(events).toEqual([]);
  });

  test('its Message changed after signing is 403 signature-invalid', async () => {
    const { handle, events } = handler();
    const signed = await signer.sign(envelope(), '1');
    const tampered = {
      ...signed,
      Message: (signed.Message ?? '').replace('email_delivered', 'email_dropped'),
    };
    const response = await handle(scalewayRequest(tampered));
    expect([response.status, (await answer(response)).error]).toEqual([403, 'signature-invalid']);
    expect(events).toEqual([]);
  });
});
