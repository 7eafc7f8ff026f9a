/** A public key the runtime refuses to import (SendGrid, Postal, MailPace): 503 so the ESP retries, never a 500 or a pass. */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { mailpace, postal, sendgrid } from '../../src/index.js';
import { answer, captureHandler, errorOf } from '../helpers/capture-handler.js';
import { makeKey as makeMailpaceKey } from './mailpace/helpers.js';
import { makeKey as makeSendgridKey, signedHeaders } from './sendgrid/harness.js';

const NOW = new Date('2030-01-02T03:04:05.000Z');
const BODY = '[{"email":"a@example.com","event":"delivered","timestamp":1893553445}]';

/** Makes `importKey` reject while `run` starts the handler, as a runtime without the algorithm would. */
async function withImportRefused<T>(run: () => T): Promise<T> {
  const spy = vi
    .spyOn(crypto.subtle, 'importKey')
    .mockImplementation(() => Promise.reject(new Error('algorithm not supported')));
  try {
    const result = run();
    // Lets the start-up import settle while it is refused.
    await new Promise((resolve) => setTimeout(resolve, 0));
    return result;
  } finally {
    spy.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('a key the runtime cannot import', () => {
  test('sendgrid: a signed request is 503 key-unavailable, nothing delivered, one error logged', async () => {
    const key = await makeSendgridKey();
    const { handle, events, lines } = await withImportRefused(() =>
      captureHandler(sendgrid({ publicKey: key.publicKey }), { now: () => NOW }),
    );
    const headers = await signedHeaders(key, String(NOW.getTime() / 1000), BODY);
    const result = await answer(
      await handle(
        new Request('https://h.example/webhooks/mail/sendgrid', {
          method: 'POST',
          body: BODY,
          headers,
        }),
      ),
    );
    expect([result.status, errorOf(result.body)]).toEqual([503, 'key-unavailable']);
    expect(events).toEqual([]);
    expect(lines.filter((l) => l.level === 'error').map((l) => l.fields?.esp)).toContain(
      'sendgrid',
    );
  });

  test('postal: a signed request is 503 key-unavailable, nothing delivered', async () => {
    const pair = (await crypto.subtle.generateKey(
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    const spki = new Uint8Array(
      (await crypto.subtle.exportKey('spki', pair.publicKey)) as ArrayBuffer,
    );
    const { handle, events } = await withImportRefused(() =>
      captureHandler(postal({ publicKey: btoa(String.fromCharCode(...spki)) }), { now: () => NOW }),
    );
    const body = '{"event":"MessageSent","timestamp":1,"payload":{}}';
    const signature = new Uint8Array(
      await crypto.subtle.sign(
        'RSASSA-PKCS1-v1_5',
        pair.privateKey,
        new TextEncoder().encode(body),
      ),
    );
    const result = await answer(
      await handle(
        new Request('https://h.example/webhooks/mail/postal', {
          method: 'POST',
          body,
          headers: { 'x-postal-signature-256': btoa(String.fromCharCode(...signature)) },
        }),
      ),
    );
    expect([result.status, errorOf(result.body)]).toEqual([503, 'key-unavailable']);
    expect(events).toEqual([]);
  });

  test('mailpace: a signed request is 503 key-unavailable, nothing delivered', async () => {
    const key = await makeMailpaceKey();
    const { handle, events } = await withImportRefused(() =>
      captureHandler(mailpace({ publicKey: key.publicKey }), { now: () => NOW }),
    );
    const body = '{"event":"email.delivered","payload":{}}';
    const result = await answer(
      await handle(
        new Request('https://h.example/webhooks/mail/mailpace', {
          method: 'POST',
          body,
          headers: { 'x-mailpace-signature': await key.sign(body) },
        }),
      ),
    );
    expect([result.status, errorOf(result.body)]).toEqual([503, 'key-unavailable']);
    expect(events).toEqual([]);
  });
});
