/**
 * django-anymail's SendGrid signature tests (tests/test_sendgrid_webhooks.py,
 * SendGridSignedWebhookSecurityTestCase), each case with anymail's own body (its setUpClass
 * event, serialized as json.dumps does). anymail answers every refusal 400; DESIGN answers 403
 * naming the rule, and judges the timestamp as Unix seconds within maxAgeSeconds, so anymail's
 * literal "data timestamp" becomes a real one here.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import {
  answer,
  makeKey,
  SIGNATURE,
  sendgridRequest,
  setup,
  signedHeaders,
  type TestKey,
  TIMESTAMP,
} from './harness.js';

const NOW = 1_700_000_000;
const T = String(NOW);
/** anymail's raw_events, as Python's json.dumps writes them (", " and ": "). */
const DATA = `[{"email": "recipient@example.com", "timestamp": 1461095246, "anymail_id": "3c2f4df8-c6dd-4cd2-9b91-6582b81a0349", "smtp-id": "<wrfRRvF7Q0GgwUo2CvDmEA@ismtpd0006p1sjc2.sendgrid.net>", "sg_event_id": "ZyjAM5rnQmuI1KFInHQ3Nw", "sg_message_id": "wrfRRvF7Q0GgwUo2CvDmEA.filter0425p1mdw1.13037.57168B4A1D.0", "event": "processed", "category": ["tag1", "tag2"], "custom1": "value1", "custom2": "value2"}]`;

let key: TestKey;
let other: TestKey;
beforeAll(async () => {
  [key, other] = await Promise.all([makeKey(), makeKey()]);
});

async function post(headers: Record<string, string>, body = DATA) {
  const { handle, received } = setup({ publicKey: key.publicKey }, NOW);
  const { status, body: json } = await answer(await handle(sendgridRequest(body, headers)));
  return { status, error: json.error, events: received.length };
}

const signature = async (k: TestKey, timestamp: string) =>
  (await signedHeaders(k, timestamp, DATA))[SIGNATURE] as string;

describe("anymail's SendGrid signature cases", () => {
  test('test_successful_signature_check_without_http_auth: 200 and the one queued event', async () => {
    const { handle, received } = setup({ publicKey: key.publicKey }, NOW);
    const response = await handle(sendgridRequest(DATA, await signedHeaders(key, T, DATA)));
    expect(await answer(response)).toEqual({ status: 200, body: { ok: true, events: 1 } });
    expect(received[0]).toMatchObject({
      eventType: 'queued',
      recipient: 'recipient@example.com',
      messageId: 'wrfRRvF7Q0GgwUo2CvDmEA',
      tags: ['tag1', 'tag2'],
      metadata: { custom1: 'value1', custom2: 'value2' },
    });
  });

  test.each([
    ['test_invalid_signature', async () => ({ [TIMESTAMP]: T, [SIGNATURE]: btoa('invalid') })],
    [
      'test_invalid_timestamp (signed at one time, sent with another)',
      async () => ({ [TIMESTAMP]: String(NOW - 1), [SIGNATURE]: await signature(key, T) }),
    ],
    [
      'test_invalid_timestamp_and_invalid_signature (another key)',
      async () => ({ [TIMESTAMP]: String(NOW - 1), [SIGNATURE]: await signature(other, T) }),
    ],
  ])('%s: 403 signature-invalid', async (_name, headers) => {
    expect(await post(await headers())).toEqual({
      status: 403,
      error: 'signature-invalid',
      events: 0,
    });
  });

  test.each([
    ['test_empty_signature_', async () => ({ [TIMESTAMP]: T, [SIGNATURE]: '' })],
    [
      'test_empty_timestamp',
      async () => ({ [TIMESTAMP]: '', [SIGNATURE]: await signature(key, '') }),
    ],
    [
      'test_empty_timestamp_and_empty_signature',
      async () => ({ [TIMESTAMP]: '', [SIGNATURE]: '' }),
    ],
    ['test_missing_signature', async () => ({ [TIMESTAMP]: T })],
    ['test_missing_timestamp', async () => ({ [SIGNATURE]: await signature(key, '') })],
    ['test_missing_timestamp_and_missing_signature', async () => ({})],
  ])('%s: 403 signature-missing', async (_name, headers) => {
    expect(await post(await headers())).toEqual({
      status: 403,
      error: 'signature-missing',
      events: 0,
    });
  });

  test("anymail's literal 'data timestamp', validly signed, is not Unix seconds: 403 timestamp-invalid", async () => {
    const headers = {
      [TIMESTAMP]: 'data timestamp',
      [SIGNATURE]: await signature(key, 'data timestamp'),
    };
    expect(await post(headers)).toEqual({ status: 403, error: 'timestamp-invalid', events: 0 });
  });

  test('the security test body, an empty batch `[]`, signed: 200 with no events', async () => {
    const { handle, received } = setup({ publicKey: key.publicKey }, NOW);
    const response = await handle(sendgridRequest('[]', await signedHeaders(key, T, '[]')));
    expect(await answer(response)).toEqual({ status: 200, body: { ok: true, events: 0 } });
    expect(received).toEqual([]);
  });
});
