/** Mailgun verification: attacks, rotation, the age rule, legacy forms, schema errors, options. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { mailgun } from '../../../src/providers/mailgun/index.js';
import {
  answer,
  hmacHex,
  mailgunRequest,
  NOW,
  NOW_SECONDS,
  OTHER_KEY,
  resign,
  setup,
  signatureBlock,
  TEST_KEY,
} from './helpers.js';

const DIR = new URL('../../fixtures/esps/mailgun/', import.meta.url);
const load = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`${name}.json`, DIR), 'utf8'));
const DELIVERED = load('symfony_delivered_messages');

async function refusal(body: string | Uint8Array<ArrayBuffer>, options = { signingKey: TEST_KEY }) {
  const { handle, events, lines } = setup(options);
  const { status, body: json } = await answer(await handle(mailgunRequest(body)));
  expect(events).toEqual([]);
  // Neither the answer nor the logs ever carry the key.
  expect(JSON.stringify([json, lines])).not.toContain(TEST_KEY);
  return [status, (json as { error: string }).error];
}

const withSignature = (signature: unknown) => JSON.stringify({ ...DELIVERED, signature });

describe('mailgun signature verification', () => {
  test('a body signed with the key is accepted', async () => {
    const { handle, events } = setup();
    const response = await handle(mailgunRequest(await resign(DELIVERED)));
    expect(response.status).toBe(200);
    expect(events.map((e) => e.eventType)).toEqual(['delivered']);
  });

  test('no signature block is 403 signature-missing', async () => {
    const { signature: _, ...unsigned } = DELIVERED;
    expect(await refusal(JSON.stringify(unsigned))).toEqual([403, 'signature-missing']);
    expect(await refusal(withSignature(null))).toEqual([403, 'signature-missing']);
    expect(await refusal('[]')).toEqual([403, 'signature-missing']);
    expect(await refusal('"text"')).toEqual([403, 'signature-missing']);
    expect(await refusal('null')).toEqual([403, 'signature-missing']);
  });

  test('a block missing a field is signature-missing; a malformed one signature-invalid', async () => {
    const { token: _, ...noToken } = await signatureBlock();
    expect(await refusal(withSignature(noToken))).toEqual([403, 'signature-missing']);
    expect(await refusal(withSignature('abc'))).toEqual([403, 'signature-invalid']);
    expect(await refusal(withSignature([1]))).toEqual([403, 'signature-invalid']);
    const block = await signatureBlock({ timestamp: '1700000000' });
    for (const timestamp of [1700000000.5, true, ['1700000000']]) {
      expect(await refusal(withSignature({ ...block, timestamp }))).toEqual([
        403,
        'signature-invalid',
      ]);
    }
    expect(await refusal(withSignature({ ...block, token: 5 }))).toEqual([
      403,
      'signature-invalid',
    ]);
  });

  test('a whole-number timestamp (Mailgun documents it as an int) is signed as its digits', async () => {
    const block = await signatureBlock({ timestamp: '1700000000' });
    const { handle } = setup();
    const body = withSignature({ ...block, timestamp: 1700000000 });
    expect((await handle(mailgunRequest(body))).status).toBe(200);
  });

  test('a tampered token, timestamp or signature is 403 signature-invalid', async () => {
    const block = await signatureBlock();
    const flip = (hex: string) => (hex[0] === 'a' ? 'b' : 'a') + hex.slice(1);
    for (const tampered of [
      { ...block, token: `${block.token}0` },
      { ...block, token: block.token.slice(1) },
      { ...block, timestamp: String(Number(block.timestamp) + 1) },
      { ...block, timestamp: ` ${block.timestamp}` },
      { ...block, signature: flip(block.signature) },
      { ...block, signature: block.signature.toUpperCase() },
      { ...block, signature: block.signature.slice(0, 63) },
      { ...block, signature: '' },
    ]) {
      expect(await refusal(withSignature(tampered))).toEqual([403, 'signature-invalid']);
    }
  });

  test('another key is refused; any of several keys (rotation) is accepted', async () => {
    expect(await refusal(await resign(DELIVERED, { key: OTHER_KEY }))).toEqual([
      403,
      'signature-invalid',
    ]);
    const { handle } = setup({ signingKey: [TEST_KEY, OTHER_KEY] });
    for (const key of [TEST_KEY, OTHER_KEY]) {
      expect((await handle(mailgunRequest(await resign(DELIVERED, { key })))).status).toBe(200);
    }
  });

  test('a subaccount event verifies by its parent-signature under the parent key', async () => {
    const block = await signatureBlock({ key: OTHER_KEY });
    const parent = await hmacHex(TEST_KEY, block.timestamp + block.token);
    const { handle } = setup();
    const ok = await handle(
      mailgunRequest(withSignature({ ...block, 'parent-signature': parent })),
    );
    expect(ok.status).toBe(200);
    const bad = withSignature({ ...block, 'parent-signature': `${parent.slice(1)}0` });
    expect(await refusal(bad)).toEqual([403, 'signature-invalid']);
  });

  test('verifySignature: false accepts unsigned bodies and warns at start', async () => {
    const { signature: _, ...unsigned } = DELIVERED;
    const { handle, events, lines } = setup({ verifySignature: false });
    expect((await handle(mailgunRequest(JSON.stringify(unsigned)))).status).toBe(200);
    expect(events).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'warn',
      msg: expect.stringContaining('verification is OFF'),
    });
  });
});

describe('mailgun maxAgeSeconds', () => {
  const at = (offsetSeconds: number) => String(Number(NOW_SECONDS) + offsetSeconds);
  const send = async (timestamp: string, maxAgeSeconds: number) => {
    const { handle } = setup({ signingKey: TEST_KEY, maxAgeSeconds });
    const response = await handle(mailgunRequest(await resign(DELIVERED, { timestamp })));
    return [response.status, ((await response.json()) as { error?: string }).error];
  };

  test('off by default: a signature block from 2013 is accepted (Mailgun retries resend it)', async () => {
    expect(await send('1377214260', 0)).toEqual([200, undefined]);
  });

  test('off: a timestamp more than 5 minutes ahead is still refused (no retry comes from the future)', async () => {
    expect(await send(at(301), 0)).toEqual([403, 'timestamp-in-future']);
    expect(await send(at(299), 0)).toEqual([200, undefined]);
  });

  test('on: older than the limit is 403 message-too-old; within it, accepted', async () => {
    expect(await send(at(-3601), 3600)).toEqual([403, 'message-too-old']);
    expect(await send(at(-3599), 3600)).toEqual([200, undefined]);
    expect(await send(at(-3600), 3600)).toEqual([200, undefined]);
  });

  test('on: more than 5 minutes ahead is 403 timestamp-in-future; a non-number timestamp-invalid', async () => {
    expect(await send(at(301), 3600)).toEqual([403, 'timestamp-in-future']);
    expect(await send(at(299), 3600)).toEqual([200, undefined]);
    expect(await send(`${NOW_SECONDS}.5`, 3600)).toEqual([403, 'timestamp-invalid']);
    expect(await send('', 3600)).toEqual([403, 'timestamp-invalid']);
  });

  test('the clock is the handler clock', async () => {
    const { handle } = setup(
      { signingKey: TEST_KEY, maxAgeSeconds: 60 },
      { now: () => new Date(NOW.getTime() + 120_000) },
    );
    const response = await handle(mailgunRequest(await resign(DELIVERED)));
    expect(response.status).toBe(403);
  });
});

describe('mailgun work linear in the body', () => {
  // Mailgun signs only timestamp + token: whoever holds one signature block can send any
  // event-data with it, so nothing in event-data may cost more than linear time.
  test('a rejected event whose To header is built to backtrack is read in linear time', async () => {
    const { handle, events } = setup();
    const run = 'a@'.repeat(50_000);
    const started = Date.now();
    for (const to of [`<${run} x`, `${run} x`, `x <${run}>`, run]) {
      const body = await resign({
        'event-data': { event: 'rejected', message: { headers: { to } } },
      });
      expect((await handle(mailgunRequest(body))).status).toBe(200);
    }
    // Linear: well under a second, even loaded; backtracking on 100,000 characters takes minutes.
    expect(Date.now() - started).toBeLessThan(10_000);
    // The last two are one address (with @ inside, as the header rule always allowed).
    // The first two name no address: reported with an empty recipient.
    expect(events.map((e) => e.recipient.length)).toEqual([0, 0, run.length, run.length]);
  });

  test('single To addresses are still read as before; a list or trailing text gives none', async () => {
    const { handle, events } = setup();
    const headers = [
      '<@a.b>',
      'a@',
      '@a',
      'x <a@b@c>',
      ' e@f ',
      '<g@h',
      'i@j>',
      '"q" <k@l> ',
      'm"@n',
      // Two addresses, or text after the bracket: not one address (anymail's parse_single_address).
      'r <o@p>, s <t@u>',
      'x <v@w> y',
    ];
    for (const to of headers) {
      await handle(
        mailgunRequest(
          await resign({ 'event-data': { event: 'rejected', message: { headers: { to } } } }),
        ),
      );
    }
    expect(events.map((e) => e.recipient).filter(Boolean)).toEqual(['a@b@c', 'e@f', 'k@l']);
  });
});

describe('mailgun bodies that are not JSON', () => {
  test('not JSON is 400 invalid-json; not UTF-8 is 400 body-not-utf8', async () => {
    expect(await refusal('{"signature":')).toEqual([400, 'invalid-json']);
    expect(await refusal(Uint8Array.of(0x7b, 0xff, 0x7d))).toEqual([400, 'body-not-utf8']);
  });
});

describe('mailgun legacy form-encoded webhooks', () => {
  const LEGACY = [
    'anymail_MailgunLegacy_delivered_event',
    'anymail_alt_smtp_code',
    'anymail_dropped_bounce',
    'anymail_dropped_spam',
    'anymail_dropped_timed_out',
    'anymail_invalid_mailbox',
    'anymail_metadata_key_conflicts',
    'anymail_metadata_message_headers',
    'anymail_metadata_post_fields',
    'anymail_tags',
    'anymail_x_tags',
  ];
  const form = (name: string) => {
    const fields = load(`legacy_form/${name}`);
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(fields)) {
      for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
    }
    return params.toString();
  };
  const post = async (body: string, headers: Record<string, string>) => {
    const { handle, events } = setup();
    const result = await answer(await handle(mailgunRequest(body, headers)));
    expect(events).toEqual([]);
    return [result.status, (result.body as { error: string }).error];
  };
  const URLENCODED = { 'content-type': 'application/x-www-form-urlencoded' };

  for (const name of LEGACY) {
    test(`${name} is 400 legacy-webhook-not-supported`, async () => {
      expect(await post(form(name), URLENCODED)).toEqual([400, 'legacy-webhook-not-supported']);
      // Without a content type it is recognised by its fields.
      expect(await post(form(name), {})).toEqual([400, 'legacy-webhook-not-supported']);
    });
  }

  test('an inbound route pointed here is 400 inbound-not-supported', async () => {
    const body = form('anymail_misconfigured_inbound');
    expect(await post(body, URLENCODED)).toEqual([400, 'inbound-not-supported']);
    const multipart = [
      '--b',
      'Content-Disposition: form-data; name="sender"',
      '',
      'a@example.org',
      '--b',
      'Content-Disposition: form-data; name="body-plain"',
      '',
      'hi',
      '--b--',
      '',
    ].join('\r\n');
    const headers = { 'content-type': 'multipart/form-data; boundary=b' };
    expect(await post(multipart, headers)).toEqual([400, 'inbound-not-supported']);
  });

  test('broken JSON is 400 invalid-json, even when a URL in it holds the form fields', async () => {
    const url = 'https://example.com/?x=1&signature=s&token=t&timestamp=1';
    const truncated = JSON.stringify({ 'event-data': { event: 'clicked', url } }).slice(0, -2);
    expect(await post(truncated, {})).toEqual([400, 'invalid-json']);
  });

  test('recognised by its fields in any order, the signature first', async () => {
    const body = 'signature=ab12&token=cd34&timestamp=1700000000&event=delivered';
    expect(await post(body, {})).toEqual([400, 'legacy-webhook-not-supported']);
  });

  test('the answer says what to change', async () => {
    const { handle } = setup();
    const response = await handle(mailgunRequest(form('anymail_tags'), URLENCODED));
    expect(((await response.json()) as { message: string }).message).toMatch(
      /legacy form-encoded webhooks are not supported.*Webhooks/,
    );
  });
});

describe('mailgun options', () => {
  const settingOf = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).setting;
    }
    return undefined;
  };

  test('signingKey is required unless verifySignature is false', () => {
    expect(settingOf(() => mailgun())).toBe('mailgun.signingKey');
    expect(settingOf(() => mailgun({}))).toBe('mailgun.signingKey');
    expect(settingOf(() => mailgun({ signingKey: '' }))).toBe('mailgun.signingKey');
    expect(settingOf(() => mailgun({ signingKey: [] }))).toBe('mailgun.signingKey');
    expect(settingOf(() => mailgun({ verifySignature: false }))).toBeUndefined();
  });

  test('bad options name the option; a typo is refused', () => {
    expect(settingOf(() => mailgun({ signingKey: TEST_KEY, maxAgeSeconds: -1 }))).toBe(
      'mailgun.maxAgeSeconds',
    );
    expect(settingOf(() => mailgun({ signingKey: TEST_KEY, path: 'a/b' }))).toBe('mailgun.path');
    expect(settingOf(() => mailgun({ signingKey: TEST_KEY, signingkey: 'x' } as never))).toBe(
      'mailgun.signingkey',
    );
  });

  test('the ConfigError never repeats the key', () => {
    try {
      mailgun({ signingKey: TEST_KEY, maxAgeSeconds: 1.5 });
    } catch (error) {
      expect(String(error)).not.toContain(TEST_KEY);
    }
  });

  test('path mounts the provider elsewhere', () => {
    expect(mailgun({ signingKey: TEST_KEY }).path).toBe('mailgun');
    expect(mailgun({ signingKey: TEST_KEY, path: 'mailgun-eu' }).path).toBe('mailgun-eu');
  });
});

test('an event without its own timestamp takes the signed one, with the age window off or on', async () => {
  const timestamp = String(NOW.getTime() / 1000 - 120);
  const { timestamp: _, ...eventData } = DELIVERED['event-data'] as Record<string, unknown>;
  for (const options of [{ signingKey: TEST_KEY }, { signingKey: TEST_KEY, maxAgeSeconds: 600 }]) {
    const { handle, events } = setup(options);
    const body = await resign({ ...DELIVERED, 'event-data': eventData }, { timestamp });
    expect((await handle(mailgunRequest(body))).status).toBe(200);
    expect(events.map((e) => e.timestamp.toISOString())).toEqual(['2026-03-01T11:58:00.000Z']);
  }
});

describe('mailgun signature blocks bound to their event (with maxAgeSeconds)', () => {
  const WINDOW = { signingKey: TEST_KEY, maxAgeSeconds: 28_800 };

  /**
   * Delivers an event under a fresh signature block (200), then gives the block and
   * `resplit(k)`: a forged event (to victim@example.com) under the same signed text, its first
   * `k` characters as the timestamp and the rest as the token.
   */
  async function acceptedThenResplit(handle: (request: Request) => Promise<Response>) {
    const block = await signatureBlock({ token: 'f'.repeat(50) });
    expect(
      (await handle(mailgunRequest(JSON.stringify({ ...DELIVERED, signature: block })))).status,
    ).toBe(200);
    const eventData = DELIVERED['event-data'] as Record<string, unknown>;
    const forged = { ...eventData, recipient: 'victim@example.com', id: 'forged-id' };
    const signed = block.timestamp + block.token;
    const resplit = (k: number) =>
      JSON.stringify({
        ...DELIVERED,
        'event-data': forged,
        signature: { ...block, timestamp: signed.slice(0, k), token: signed.slice(k) },
      });
    return { block, resplit };
  }

  test('a signature block sent again with other event data is refused 403 signature-replayed', async () => {
    const { handle, events } = setup(WINDOW);
    const block = await signatureBlock({ token: 'a'.repeat(50) });
    const genuine = JSON.stringify({ ...DELIVERED, signature: block });
    expect((await handle(mailgunRequest(genuine))).status).toBe(200);
    const eventData = DELIVERED['event-data'] as Record<string, unknown>;
    const forged = JSON.stringify({
      ...DELIVERED,
      'event-data': { ...eventData, recipient: 'evil@example.com' },
      signature: block,
    });
    const { status, body } = await answer(await handle(mailgunRequest(forged)));
    expect([status, (body as { error: string }).error]).toEqual([403, 'signature-replayed']);
    expect(events.map((e) => e.recipient)).not.toContain('evil@example.com');
  });

  test('the same block re-split (digits moved from timestamp to token) is the same block: refused', async () => {
    const { handle, events } = setup(WINDOW);
    const { block, resplit } = await acceptedThenResplit(handle);
    const answers: [number, string][] = [];
    for (let k = 0; k < block.timestamp.length; k++) {
      const { status, body: answer_ } = await answer(await handle(mailgunRequest(resplit(k))));
      answers.push([status, (answer_ as { error: string }).error]);
    }
    // Every split still verifies (the HMAC is over the joined text), and none is a new block: a
    // shorter timestamp is also older than the window.
    expect(answers[0]).toEqual([403, 'timestamp-invalid']);
    expect(
      answers
        .slice(1)
        .every(([s, e]) => s === 403 && (e === 'signature-replayed' || e === 'message-too-old')),
    ).toBe(true);
    expect(events.map((e) => e.recipient)).not.toContain('victim@example.com');
  });

  test('re-split under a window wide enough for the shorter timestamp: still 403 signature-replayed', async () => {
    // 100 years: the window lets 1/10 of the timestamp through, so the guard alone must refuse.
    const { handle, events } = setup({ signingKey: TEST_KEY, maxAgeSeconds: 3_155_760_000 });
    const { block, resplit } = await acceptedThenResplit(handle);
    const body = resplit(block.timestamp.length - 1);
    const { status, body: refused } = await answer(await handle(mailgunRequest(body)));
    expect([status, (refused as { error: string }).error]).toEqual([403, 'signature-replayed']);
    expect(events.map((e) => e.recipient)).not.toContain('victim@example.com');
  });

  test("Mailgun's retry of the same body still passes", async () => {
    const { handle, events } = setup(WINDOW);
    const body = await resign(DELIVERED);
    expect((await handle(mailgunRequest(body))).status).toBe(200);
    expect((await handle(mailgunRequest(body))).status).toBe(200);
    expect(events).toHaveLength(2);
  });
});
