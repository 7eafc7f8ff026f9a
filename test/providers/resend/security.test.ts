/** Resend's guard: signatures, replay window, rotation, settings and variables. */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { createHandlerFromEnv } from '../../../src/from-env.js';
import { resend } from '../../../src/index.js';
import delivered from '../../fixtures/esps/resend/anymail_delivered_event.json' with {
  type: 'json',
};
import { memoryLogger } from '../../helpers/envelope.js';
import {
  answer,
  NOW_SECONDS,
  OTHER_SECRET,
  resendHandler,
  SECRET,
  signedRequest,
  URL_RESEND,
} from './helpers.js';

const BODY = JSON.stringify(delivered);

async function refusal(response: Response): Promise<[number, unknown]> {
  return [response.status, (await answer(response)).error];
}

describe('Resend signature checks', () => {
  test('a request without signature headers is 403 signature-missing and delivers nothing', async () => {
    const { handle, received } = resendHandler();
    const response = await handle(new Request(URL_RESEND, { method: 'POST', body: BODY }));
    expect(await refusal(response)).toEqual([403, 'signature-missing']);
    expect(received).toEqual([]);
  });

  test('a signature without its id or timestamp header is 403 signature-missing naming the one missing', async () => {
    const { handle } = resendHandler();
    for (const [header, named] of [
      ['svix-id', 'webhook-id'],
      ['svix-timestamp', 'webhook-timestamp'],
    ] as const) {
      const request = signedRequest(BODY);
      request.headers.delete(header);
      const response = await handle(request);
      expect([response.status, await response.json()]).toEqual([
        403,
        {
          ok: false,
          error: 'signature-missing',
          message: `the signature comes without its ${named} (or svix-*) header`,
        },
      ]);
    }
  });

  test('a body changed after signing is 403 signature-invalid', async () => {
    const { handle, received } = resendHandler();
    const signed = signedRequest(BODY);
    const tampered = new Request(URL_RESEND, {
      method: 'POST',
      body: BODY.replace('to@example.org', 'attacker@example.org'),
      headers: signed.headers,
    });
    expect(await refusal(await handle(tampered))).toEqual([403, 'signature-invalid']);
    expect(received).toEqual([]);
  });

  test('a body signed with another secret is 403 signature-invalid', async () => {
    const { handle } = resendHandler();
    const response = await handle(signedRequest(BODY, { secret: OTHER_SECRET }));
    expect(await refusal(response)).toEqual([403, 'signature-invalid']);
  });

  test('a changed id or timestamp header breaks the signature', async () => {
    const { handle } = resendHandler();
    const changedId = signedRequest(BODY);
    changedId.headers.set('svix-id', 'msg_other');
    const changedTime = signedRequest(BODY);
    changedTime.headers.set('svix-timestamp', String(NOW_SECONDS - 1));
    expect(await refusal(await handle(changedId))).toEqual([403, 'signature-invalid']);
    expect(await refusal(await handle(changedTime))).toEqual([403, 'signature-invalid']);
  });

  test('only v1 signatures count: a v2 entry with the right value is 403 signature-invalid', async () => {
    const { handle } = resendHandler();
    const request = signedRequest(BODY);
    const v1 = request.headers.get('svix-signature') ?? '';
    request.headers.set('svix-signature', v1.replace('v1,', 'v2,'));
    const response = await handle(request);
    expect([response.status, await response.json()]).toEqual([
      403,
      {
        ok: false,
        error: 'signature-invalid',
        message: 'the signature header holds no v1 signature',
      },
    ]);
  });

  test('a wrong v1 signature is refused saying none matches, not that there is none', async () => {
    const { handle } = resendHandler();
    const request = signedRequest(BODY);
    request.headers.set('svix-signature', `v1,${btoa('x'.repeat(32))}`);
    const response = await handle(request);
    expect(await response.json()).toMatchObject({
      error: 'signature-invalid',
      message: 'no v1 signature matches the body under any configured secret',
    });
  });

  test('one matching v1 entry among bogus ones is enough', async () => {
    const { handle } = resendHandler();
    const request = signedRequest(BODY);
    const v1 = request.headers.get('svix-signature') ?? '';
    request.headers.set('svix-signature', `v1,AAAA v1a,xyz ${v1} v1,`);
    expect((await handle(request)).status).toBe(200);
  });

  test('a timestamp that is not Unix seconds is 403 timestamp-invalid', async () => {
    const { handle } = resendHandler();
    const request = signedRequest(BODY);
    request.headers.set('svix-timestamp', '2024-05-01T12:00:00Z');
    expect(await refusal(await handle(request))).toEqual([403, 'timestamp-invalid']);
  });

  test('the webhook-* header names (Standard Webhooks) are accepted too', async () => {
    const { handle, received } = resendHandler();
    const response = await handle(signedRequest(BODY, { prefix: 'webhook', id: 'msg_std' }));
    expect(response.status).toBe(200);
    expect(received[0]?.eventId).toBe('msg_std');
  });

  test('a refusal never names a secret', async () => {
    const { handle } = resendHandler();
    const response = await handle(signedRequest(BODY, { secret: OTHER_SECRET }));
    const text = await response.text();
    for (const secret of [SECRET, OTHER_SECRET]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice('whsec_'.length));
    }
  });
});

describe('Resend replay window', () => {
  test('a signature 301 s old is 403 message-too-old; 300 s old is accepted', async () => {
    const { handle } = resendHandler();
    const old = await handle(signedRequest(BODY, { timestampSeconds: NOW_SECONDS - 301 }));
    expect(await refusal(old)).toEqual([403, 'message-too-old']);
    const edge = await handle(signedRequest(BODY, { timestampSeconds: NOW_SECONDS - 300 }));
    expect(edge.status).toBe(200);
  });

  test('a timestamp more than 5 minutes ahead is 403 timestamp-in-future; 5 minutes is accepted', async () => {
    const { handle } = resendHandler();
    const ahead = await handle(signedRequest(BODY, { timestampSeconds: NOW_SECONDS + 301 }));
    expect(await refusal(ahead)).toEqual([403, 'timestamp-in-future']);
    const edge = await handle(signedRequest(BODY, { timestampSeconds: NOW_SECONDS + 300 }));
    expect(edge.status).toBe(200);
  });

  test('maxAgeSeconds widens the window; 0 turns the age check off but not the future one', async () => {
    const hour = resendHandler({ secret: SECRET, maxAgeSeconds: 3600 });
    expect(
      (await hour.handle(signedRequest(BODY, { timestampSeconds: NOW_SECONDS - 3500 }))).status,
    ).toBe(200);
    const off = resendHandler({ secret: SECRET, maxAgeSeconds: 0 });
    expect(
      (await off.handle(signedRequest(BODY, { timestampSeconds: NOW_SECONDS - 86_400 * 365 })))
        .status,
    ).toBe(200);
    const ahead = await off.handle(signedRequest(BODY, { timestampSeconds: NOW_SECONDS + 3600 }));
    expect(await refusal(ahead)).toEqual([403, 'timestamp-in-future']);
  });

  test('a now option giving an Invalid Date refuses every signed time, never takes it as in the window', async () => {
    const invalid = new Date(Number.NaN);
    const { handle, received } = resendHandler({ secret: SECRET }, invalid);
    const replay = await handle(signedRequest(BODY, { timestampSeconds: 1 }));
    expect([replay.status, await replay.json()]).toEqual([
      403,
      {
        ok: false,
        error: 'message-too-old',
        message:
          'webhook-timestamp is NaN s old, older than maxAgeSeconds allows: a replay, or a clock far off',
      },
    ]);
    // With the age check off, the future check still holds.
    const off = resendHandler({ secret: SECRET, maxAgeSeconds: 0 }, invalid);
    const ahead = await off.handle(signedRequest(BODY, { timestampSeconds: NOW_SECONDS + 3600 }));
    expect(await refusal(ahead)).toEqual([403, 'timestamp-in-future']);
    expect([...received, ...off.received]).toEqual([]);
  });

  test('a forged old request is signature-invalid, not message-too-old', async () => {
    const { handle } = resendHandler();
    const request = signedRequest(BODY, { secret: OTHER_SECRET, timestampSeconds: 1 });
    expect(await refusal(await handle(request))).toEqual([403, 'signature-invalid']);
  });
});

describe('Resend secret rotation and verifySignature: false', () => {
  test('with two secrets, a request signed with either one is accepted', async () => {
    const { handle, received } = resendHandler({ secret: [OTHER_SECRET, SECRET] });
    expect((await handle(signedRequest(BODY, { secret: SECRET }))).status).toBe(200);
    expect((await handle(signedRequest(BODY, { secret: OTHER_SECRET }))).status).toBe(200);
    expect(received).toHaveLength(2);
  });

  describe('key import', () => {
    afterEach(() => vi.restoreAllMocks());
    test('imports each key once at start-up, not per request', async () => {
      const importKey = vi.spyOn(crypto.subtle, 'importKey');
      const { handle } = resendHandler({ secret: [OTHER_SECRET, SECRET] });
      for (let i = 0; i < 3; i++) await handle(signedRequest(BODY));
      expect(importKey).toHaveBeenCalledTimes(2);
    });
  });

  test('verifySignature: false accepts an unsigned request, keyed by a digest of the body, with a warning', async () => {
    const { handle, received, lines } = resendHandler({ verifySignature: false });
    const response = await handle(new Request(URL_RESEND, { method: 'POST', body: BODY }));
    expect(response.status).toBe(200);
    expect(received[0]?.eventId).toMatch(/^resend:[0-9a-f]{32}$/);
    expect(lines.some((l) => l.level === 'warn' && l.msg.includes('verification is OFF'))).toBe(
      true,
    );
  });

  test('verifySignature: false keeps the svix-id header as the eventId when it is sent', async () => {
    const { handle, received } = resendHandler({ verifySignature: false });
    await handle(
      new Request(URL_RESEND, { method: 'POST', body: BODY, headers: { 'svix-id': 'msg_x' } }),
    );
    expect(received[0]?.eventId).toBe('msg_x');
  });
});

describe('resend() settings', () => {
  const settingOf = (make: () => unknown): string | undefined => {
    try {
      make();
    } catch (error) {
      if (error instanceof ConfigError) return error.setting;
      throw error;
    }
    return undefined;
  };

  test('a missing secret is a ConfigError naming resend.secret', () => {
    expect(settingOf(() => resend())).toBe('resend.secret');
    expect(settingOf(() => resend({}))).toBe('resend.secret');
  });

  test('no secret is needed with verifySignature: false', () => {
    expect(settingOf(() => resend({ verifySignature: false }))).toBeUndefined();
  });

  test('a secret that is not base64 is a ConfigError naming resend.secret, without the secret', () => {
    let caught: unknown;
    try {
      resend({ secret: 'whsec_not base64!' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).setting).toBe('resend.secret');
    expect((caught as ConfigError).message).not.toContain('not base64!');
    expect(settingOf(() => resend({ secret: [SECRET, ''] }))).toBe('resend.secret');
  });

  test('unknown keys and bad windows are refused by name', () => {
    expect(settingOf(() => resend({ secrets: SECRET } as never))).toBe('resend.secrets');
    expect(settingOf(() => resend({ secret: SECRET, maxAgeSeconds: -1 }))).toBe(
      'resend.maxAgeSeconds',
    );
  });

  test('path mounts the provider elsewhere', async () => {
    expect(resend({ secret: SECRET, path: 'resend-eu' }).path).toBe('resend-eu');
  });
});

describe('Resend from environment variables', () => {
  const signedNow = (secret: string) =>
    signedRequest(BODY, { secret, timestampSeconds: Math.floor(Date.now() / 1000) });

  test('MAIL_WEBHOOK_PROVIDERS=resend with MAIL_WEBHOOK_RESEND_SECRET verifies and accepts', async () => {
    const { lines, logger } = memoryLogger();
    const handle = createHandlerFromEnv(
      {
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_PROVIDERS: 'resend',
        MAIL_WEBHOOK_RESEND_SECRET: SECRET,
      },
      { logger },
    );
    expect((await handle(signedNow(SECRET))).status).toBe(200);
    expect(await refusal(await handle(signedNow(OTHER_SECRET)))).toEqual([
      403,
      'signature-invalid',
    ]);
    expect(lines.filter((l) => l.msg.includes('unknown variable'))).toEqual([]);
  });

  test('MAIL_WEBHOOK_RESEND_SECRET_PREVIOUS keeps the old secret working during rotation', async () => {
    const handle = createHandlerFromEnv(
      {
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_PROVIDERS: 'resend',
        MAIL_WEBHOOK_RESEND_SECRET: SECRET,
        MAIL_WEBHOOK_RESEND_SECRET_PREVIOUS: OTHER_SECRET,
      },
      { logger: memoryLogger().logger },
    );
    expect((await handle(signedNow(OTHER_SECRET))).status).toBe(200);
  });

  test('without MAIL_WEBHOOK_RESEND_SECRET start-up throws a ConfigError naming it', () => {
    const start = () =>
      createHandlerFromEnv(
        { MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_PROVIDERS: 'resend' },
        { logger: memoryLogger().logger },
      );
    expect(start).toThrow(ConfigError);
    expect(start).toThrow(/MAIL_WEBHOOK_RESEND_SECRET/);
  });

  test('a malformed MAIL_WEBHOOK_RESEND_SECRET is a ConfigError naming the variable', () => {
    const start = () =>
      createHandlerFromEnv(
        {
          MAIL_WEBHOOK_ENABLED: 'true',
          MAIL_WEBHOOK_PROVIDERS: 'resend',
          MAIL_WEBHOOK_RESEND_SECRET: 'whsec_***',
        },
        { logger: memoryLogger().logger },
      );
    expect(start).toThrow(/^MAIL_WEBHOOK_RESEND_SECRET:/);
  });
});
