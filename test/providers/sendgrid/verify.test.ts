/** SendGrid signature checks: refusals, DER robustness, replay window, rotation, start-up errors. */
import { beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/index.js';
import { sendgrid } from '../../../src/providers/sendgrid/index.js';
import { derToP1363 } from '../../../src/providers/sendgrid/verify.js';
import {
  answer,
  makeKey,
  p1363ToDer,
  SIGNATURE,
  sendgridRequest,
  setup,
  signedHeaders,
  signedRequest,
  signRaw,
  type TestKey,
  TIMESTAMP,
  toBase64,
} from './harness.js';

const NOW = 1_700_000_000;
const T = String(NOW);
const BODY =
  '[{"email":"a@example.com","event":"delivered","sg_message_id":"abc.filter1","timestamp":1699999990}]\r\n';

let key: TestKey;
let other: TestKey;
beforeAll(async () => {
  [key, other] = await Promise.all([makeKey(), makeKey()]);
});

async function post(request: Request, options = {}, clock = NOW) {
  const { handle, received, lines } = setup({ publicKey: key.publicKey, ...options }, clock);
  return { ...(await answer(await handle(request))), received, lines };
}

const refusedWith = (reason: string, status = 403) => ({
  status,
  body: expect.objectContaining({ ok: false, error: reason }),
});

describe('accepted', () => {
  test('a body signed with the key, byte for byte (CRLF and all)', async () => {
    const result = await post(await signedRequest(key, BODY, T));
    expect(result).toMatchObject({ status: 200, body: { ok: true, events: 1 } });
  });

  test('rotation: either configured key verifies, a third does not', async () => {
    const options = { publicKey: [other.publicKey, key.publicKey] };
    expect((await post(await signedRequest(key, BODY, T), options)).status).toBe(200);
    expect((await post(await signedRequest(other, BODY, T), options)).status).toBe(200);
    const stranger = await makeKey();
    expect(await post(await signedRequest(stranger, BODY, T), options)).toMatchObject(
      refusedWith('signature-invalid'),
    );
  });

  test('a key pasted as PEM with line breaks', async () => {
    const lines = key.publicKey.match(/.{1,64}/g)?.join('\n');
    const pem = `-----BEGIN PUBLIC KEY-----\n${lines}\n-----END PUBLIC KEY-----\n`;
    expect((await post(await signedRequest(key, BODY, T), { publicKey: pem })).status).toBe(200);
  });

  test('non-minimal DER (an extra leading zero byte in r and s) still verifies', async () => {
    const raw = await signRaw(key, T, BODY);
    const int = (bytes: Uint8Array) => [0x02, bytes.length + 1, 0, ...bytes];
    const body = [...int(raw.subarray(0, 32)), ...int(raw.subarray(32))];
    const headers = {
      [SIGNATURE]: toBase64(Uint8Array.from([0x30, body.length, ...body])),
      [TIMESTAMP]: T,
    };
    expect((await post(sendgridRequest(BODY, headers))).status).toBe(200);
  });

  test('a signature whose r or s is short (leading zero bytes dropped in DER) verifies', async () => {
    // A DER INTEGER under 32 bytes: the top byte is zero and the next has its high bit clear.
    const short = (half: Uint8Array) => half[0] === 0 && (half[1] ?? 0) < 0x80;
    let raw = await signRaw(key, T, BODY);
    for (let i = 0; i < 20_000 && !short(raw) && !short(raw.subarray(32)); i++) {
      raw = await signRaw(key, T, BODY);
    }
    expect(short(raw) || short(raw.subarray(32))).toBe(true);
    const der = p1363ToDer(raw);
    const rLength = der[3] ?? 0;
    expect(Math.min(rLength, der[5 + rLength] ?? 0)).toBeLessThan(32);
    const headers = { [SIGNATURE]: toBase64(der), [TIMESTAMP]: T };
    expect((await post(sendgridRequest(BODY, headers))).status).toBe(200);
  });

  test('verifySignature: false accepts an unsigned request and warns at start-up', async () => {
    const { handle, received, lines } = setup({ verifySignature: false }, NOW);
    expect(await answer(await handle(sendgridRequest(BODY)))).toEqual({
      status: 200,
      body: { ok: true, events: 1 },
    });
    expect(received).toHaveLength(1);
    expect(lines.some((l) => l.level === 'warn' && /verification is OFF/.test(l.msg))).toBe(true);
  });
});

describe('refused', () => {
  test.each([
    ['no headers', {}],
    ['no signature', { [TIMESTAMP]: T }],
    ['no timestamp', { [SIGNATURE]: 'MEUCIQ==' }],
    ['empty signature', { [SIGNATURE]: '', [TIMESTAMP]: T }],
  ])('%s: 403 signature-missing', async (_name, headers) => {
    const result = await post(sendgridRequest(BODY, headers));
    expect(result).toMatchObject(refusedWith('signature-missing'));
    expect(result.received).toEqual([]);
  });

  test('a tampered body', async () => {
    const headers = await signedHeaders(key, T, BODY);
    const tampered = BODY.replace('delivered', 'bounce');
    expect(await post(sendgridRequest(tampered, headers))).toMatchObject(
      refusedWith('signature-invalid'),
    );
  });

  test('the same events re-serialized (the raw bytes are what is signed)', async () => {
    const headers = await signedHeaders(key, T, BODY);
    const reserialized = JSON.stringify(JSON.parse(BODY));
    expect(await post(sendgridRequest(reserialized, headers))).toMatchObject(
      refusedWith('signature-invalid'),
    );
  });

  test('a changed timestamp header', async () => {
    const headers = { ...(await signedHeaders(key, T, BODY)), [TIMESTAMP]: String(NOW - 1) };
    expect(await post(sendgridRequest(BODY, headers))).toMatchObject(
      refusedWith('signature-invalid'),
    );
  });

  test('a signature by another key', async () => {
    expect(await post(await signedRequest(other, BODY, T))).toMatchObject(
      refusedWith('signature-invalid'),
    );
  });

  test('a timestamp older than maxAgeSeconds (600 by default); 600 s is still fine', async () => {
    expect((await post(await signedRequest(key, BODY, String(NOW - 600)))).status).toBe(200);
    const old = await post(await signedRequest(key, BODY, String(NOW - 601)));
    expect(old).toMatchObject(refusedWith('message-too-old'));
    const custom = await post(await signedRequest(key, BODY, String(NOW - 61)), {
      maxAgeSeconds: 60,
    });
    expect(custom).toMatchObject(refusedWith('message-too-old'));
  });

  test('maxAgeSeconds: 0 turns the age check off, not the check for a time far ahead', async () => {
    const ancient = await signedRequest(key, BODY, '1600000000');
    expect((await post(ancient, { maxAgeSeconds: 0 })).status).toBe(200);
    const ahead = await signedRequest(key, BODY, String(NOW + 365 * 86400));
    expect(await post(ahead, { maxAgeSeconds: 0 })).toMatchObject(
      refusedWith('timestamp-in-future'),
    );
  });

  test('a forged old request is signature-invalid, not message-too-old: the signature is judged first', async () => {
    const forged = await post(await signedRequest(other, BODY, String(NOW - 10_000)));
    expect(forged).toMatchObject(refusedWith('signature-invalid'));
  });

  test('the answer names the rule, not the configured window', async () => {
    const old = await post(await signedRequest(key, BODY, String(NOW - 7_201)), {
      maxAgeSeconds: 7_200,
    });
    expect(old).toMatchObject(refusedWith('message-too-old'));
    expect(JSON.stringify(old.body)).not.toContain('7200');
    expect(JSON.stringify(old.body)).toContain('maxAgeSeconds');
    const logged = old.lines.find((l) => l.msg === 'request refused');
    expect(logged?.fields.maxAgeSeconds).toBe(7_200);
  });

  test('a timestamp more than 5 minutes ahead of the clock', async () => {
    expect((await post(await signedRequest(key, BODY, String(NOW + 300)))).status).toBe(200);
    expect(await post(await signedRequest(key, BODY, String(NOW + 301)))).toMatchObject(
      refusedWith('timestamp-in-future'),
    );
  });

  test('a timestamp that is not Unix seconds', async () => {
    for (const timestamp of ['1.7e9', '-1', 'now', '1700000000.5']) {
      expect(await post(await signedRequest(key, BODY, timestamp))).toMatchObject(
        refusedWith('timestamp-invalid'),
      );
    }
  });

  const good = async () => p1363ToDer(await signRaw(key, T, BODY));
  const malformed: [string, (der: Uint8Array) => Uint8Array | string][] = [
    ['not base64', () => '!!not base64!!'],
    ['raw r‖s instead of DER', () => new Uint8Array(64).fill(7)],
    ['truncated', (der) => der.subarray(0, der.length - 3)],
    ['a trailing byte', (der) => Uint8Array.from([...der, 0])],
    [
      'a byte after s inside the SEQUENCE',
      (der) => Uint8Array.from([0x30, (der[1] ?? 0) + 1, ...der.subarray(2), 0]),
    ],
    ['a wrong outer tag', (der) => Uint8Array.from([0x31, ...der.subarray(1)])],
    [
      'a wrong outer length',
      (der) => Uint8Array.from([0x30, (der[1] ?? 0) + 1, ...der.subarray(2)]),
    ],
    [
      'an INTEGER tag replaced',
      (der) => Uint8Array.from([0x30, der[1] ?? 0, 0x04, ...der.subarray(3)]),
    ],
    ['a negative r', () => Uint8Array.from([0x30, 0x06, 0x02, 0x01, 0x80, 0x02, 0x01, 0x01])],
    ['an empty r', () => Uint8Array.from([0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x01])],
    [
      'r of 33 significant bytes',
      () =>
        Uint8Array.from([0x30, 0x26, 0x02, 0x21, ...new Uint8Array(33).fill(1), 0x02, 0x01, 0x01]),
    ],
    ['r and s zero', () => Uint8Array.from([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00])],
    [
      'r and s of all ones (above the curve order)',
      () =>
        Uint8Array.from([
          0x30,
          0x46,
          0x02,
          0x21,
          0,
          ...new Uint8Array(32).fill(255),
          0x02,
          0x21,
          0,
          ...new Uint8Array(32).fill(255),
        ]),
    ],
    ['one INTEGER only', () => Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x01])],
    [
      'a long-form INTEGER length',
      () => Uint8Array.from([0x30, 0x07, 0x02, 0x81, 0x01, 0x01, 0x02, 0x01, 0x01]),
    ],
    ['empty after decoding', () => new Uint8Array(0)],
  ];
  test.each(malformed)('a malformed signature (%s): 403 signature-invalid', async (_name, make) => {
    const signature = make(await good());
    const header = typeof signature === 'string' ? signature : toBase64(signature);
    const result = await post(
      sendgridRequest(BODY, { [SIGNATURE]: header || 'AA==', [TIMESTAMP]: T }),
    );
    expect(result).toMatchObject(refusedWith('signature-invalid'));
    expect(result.received).toEqual([]);
  });

  test('the refusal says why: not base64, or base64 that is no DER ECDSA signature', async () => {
    const raw = toBase64(new Uint8Array(64).fill(7));
    const cases: [string, string][] = [
      ['!!not base64!!', 'is not base64'],
      [raw, 'is not a DER ECDSA signature'],
    ];
    for (const [header, why] of cases) {
      const result = await post(sendgridRequest(BODY, { [SIGNATURE]: header, [TIMESTAMP]: T }));
      expect(result.body).toMatchObject({
        error: 'signature-invalid',
        message: `${SIGNATURE} ${why}`,
      });
    }
  });
});

describe("refused as SendGrid's own verifiers refuse it", () => {
  test('a genuine r written without its 0x00 pad (a negative INTEGER): 403 signature-invalid', async () => {
    // Half of all signatures have r's high bit set; DER must then lead with a zero byte.
    let raw = await signRaw(key, T, BODY);
    for (let i = 0; i < 200 && (raw[0] ?? 0) < 0x80; i++) raw = await signRaw(key, T, BODY);
    expect(raw[0]).toBeGreaterThanOrEqual(0x80);
    const der = p1363ToDer(raw);
    expect([der[3], der[4]]).toEqual([33, 0]);
    // The same bytes less the pad: r is then negative, no ECDSA value at all.
    const body = [0x02, 32, ...der.subarray(5)];
    const unpadded = Uint8Array.from([0x30, body.length, ...body]);
    const result = await post(
      sendgridRequest(BODY, { [SIGNATURE]: toBase64(unpadded), [TIMESTAMP]: T }),
    );
    expect(result).toMatchObject(refusedWith('signature-invalid'));
    expect(result.received).toEqual([]);
  });
});

describe('derToP1363', () => {
  test('pads short integers and strips leading zeros', () => {
    const der = Uint8Array.from([0x30, 0x08, 0x02, 0x02, 0x00, 0x05, 0x02, 0x02, 0x01, 0x02]);
    const out = derToP1363(der);
    expect(out?.length).toBe(64);
    expect(out?.[31]).toBe(5);
    expect(out?.slice(0, 31).every((b) => b === 0)).toBe(true);
    expect([out?.[62], out?.[63]]).toEqual([1, 2]);
  });

  test('accepts the long length form of the outer SEQUENCE', () => {
    const der = Uint8Array.from([0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02]);
    expect(derToP1363(der)?.[63]).toBe(2);
  });

  test('never throws on random bytes', () => {
    for (let i = 0; i < 2000; i++) {
      const bytes = crypto.getRandomValues(new Uint8Array(i % 80));
      if (i % 3 === 0) bytes[0] = 0x30;
      if (i % 3 === 0 && bytes.length > 2) bytes[1] = bytes.length - 2;
      expect(() => derToP1363(bytes)).not.toThrow();
    }
  });
});

describe('start-up', () => {
  const settingOf = (make: () => unknown): string => {
    try {
      make();
    } catch (error) {
      if (error instanceof ConfigError) return error.setting;
      throw error;
    }
    throw new Error('no ConfigError');
  };

  test('publicKey is required unless verifySignature is false', () => {
    expect(settingOf(() => sendgrid())).toBe('sendgrid.publicKey');
    expect(settingOf(() => sendgrid({ publicKey: [] }))).toBe('sendgrid.publicKey');
    expect(() => sendgrid({ verifySignature: false })).not.toThrow();
  });

  test('a key that does not import stops start-up, naming publicKey but never echoing it', async () => {
    const rsa = (await crypto.subtle.generateKey(
      {
        name: 'RSA-PSS',
        modulusLength: 1024,
        publicExponent: Uint8Array.of(1, 0, 1),
        hash: 'SHA-256',
      },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    const rsaSpki = toBase64(new Uint8Array(await crypto.subtle.exportKey('spki', rsa.publicKey)));
    const spki = Uint8Array.from(atob(key.publicKey), (c) => c.charCodeAt(0));
    spki[spki.length - 1] = (spki.at(-1) ?? 0) ^ 1; // no longer on the curve
    const offCurve = toBase64(spki);
    for (const bad of ['not a key', 'MFkw', rsaSpki, offCurve, key.publicKey.slice(0, -8)]) {
      let caught: unknown;
      try {
        sendgrid({ publicKey: bad });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).setting).toBe('sendgrid.publicKey');
      if (bad.length > 8) expect((caught as ConfigError).message).not.toContain(bad);
    }
    expect(settingOf(() => sendgrid({ publicKey: [key.publicKey, offCurve] }))).toBe(
      'sendgrid.publicKey',
    );
    expect(() => sendgrid({ publicKey: '!!not base64!!' })).toThrow(
      /^sendgrid\.publicKey: is not base64$/,
    );
  });

  test('an unknown option is refused, naming the closest one', () => {
    expect(() => sendgrid({ publickey: key.publicKey } as never)).toThrow(/publicKey/);
    expect(settingOf(() => sendgrid({ publickey: key.publicKey } as never))).toBe(
      'sendgrid.publickey',
    );
  });

  test('path mounts it elsewhere; other paths and methods are not its', async () => {
    const { handle } = setup({ publicKey: key.publicKey, path: 'sendgrid-eu' }, NOW);
    const url = 'https://hooks.example.com/webhooks/mail/sendgrid-eu';
    const request = sendgridRequest(BODY, await signedHeaders(key, T, BODY), url);
    expect((await handle(request)).status).toBe(200);
    expect((await handle(await signedRequest(key, BODY, T))).status).toBe(404);
    expect((await handle(new Request(url))).status).toBe(405);
  });
});
