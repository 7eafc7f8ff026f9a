import { generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLI_PROVIDERS } from '../../src/cli/samples/index';
import type { EmailTrackingContext } from '../../src/events';
import { optionsFromEnv } from '../../src/from-env';
import { createMailWebhookHandler } from '../../src/handler';
import { silentLogger } from '../../src/log';
import { postal } from '../../src/providers/postal/index';
import { sendgrid } from '../../src/providers/sendgrid/index';
import { BASE, cli, MAILGUN_KEY, startHarness } from './harness';

let harness: Awaited<ReturnType<typeof startHarness>>;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness?.cleanup());

/** A P-256 pair: the private half as SEC1 PEM, the public half as base64 SPKI. */
const sec1 = (() => {
  const pair = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'sec1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'der' },
  });
  return { privateKey: pair.privateKey, publicKey: pair.publicKey.toString('base64') };
})();

const cases = CLI_PROVIDERS.flatMap((provider) =>
  Object.keys(provider.events).map((eventType) => [provider.name, eventType] as const),
);

describe('mailhooks send', () => {
  test.each(cases)(
    '%s %s arrives as that event type for every recipient',
    async (name, eventType) => {
      harness.received.length = 0;
      const recipients = ['first@example.com', 'second@example.org'];
      const result = await cli(
        [
          'send',
          name,
          eventType,
          '--to',
          `${BASE}/${name}`,
          '--recipients',
          recipients.join(','),
          ...(harness.credentials[name] ?? []),
        ],
        harness.handler,
      );
      expect(result.err).not.toMatch(/could not reach/);
      expect(result.out).toMatch(/^HTTP 200/);
      expect(result.code).toBe(0);
      expect(harness.received.map((c) => c.recipient).sort()).toEqual(recipients);
      for (const context of harness.received) {
        expect(context.eventType).toBe(eventType);
        expect(context.espName).toBe(name);
        expect(Math.abs(context.timestamp.getTime() - Date.now())).toBeLessThan(60_000);
        expect(context.rejectCategory).toBe(
          (eventType === 'bounced' && INVALID_BOUNCES.has(name)
            ? 'invalid'
            : CATEGORY[eventType]) ?? context.rejectCategory,
        );
        if (eventType === 'clicked' && !NO_CLICK_URL.has(name)) {
          expect(context.clickUrl).toBe('https://example.com/welcome');
        }
        if (eventType === 'bounced') expect(context.permanent).toBe(true);
      }
    },
  );

  test('every run sends fresh event ids', async () => {
    harness.received.length = 0;
    const args = [
      'send',
      'resend',
      'delivered',
      '--to',
      `${BASE}/resend`,
      ...(harness.credentials.resend ?? []),
    ];
    await cli(args, harness.handler);
    await cli(args, harness.handler);
    const [first, second] = harness.received;
    expect(first?.eventId).not.toBe(second?.eventId);
    expect(first?.messageId).not.toBe(second?.messageId);
  });

  test('a wrong postmark password is refused: exit code 1, never printed', async () => {
    const wrong = await cli(
      ['send', 'postmark', 'delivered', '--to', `${BASE}/postmark`, '--password', 'wrong'],
      harness.handler,
    );
    expect(wrong.code).toBe(1);
    expect(wrong.out).toMatch(/^HTTP 403/);
    expect(wrong.err).not.toContain('wrong');
  });

  test.each([
    ['resend', ['--secret', `whsec_${btoa('another-secret-of-thirty-two-by!')}`]],
    ['mailgun', ['--secret', 'not-the-key']],
    ['mailersend', ['--secret', 'not-the-secret']],
    ['mandrill', ['--secret', 'not-the-webhook-key']],
    ['mailtrap', ['--secret', 'not-the-secret']],
    ['loops', ['--secret', `whsec_${btoa('another-loops-secret-of-32-byte')}`]],
    ['unisender-go', ['--secret', 'not-the-api-key']],
  ])(
    '%s signed with another secret is refused: exit code 1, the answer printed',
    async (name, flags) => {
      const result = await cli(
        ['send', name, 'delivered', '--to', `${BASE}/${name}`, ...flags],
        harness.handler,
      );
      expect(result.code).toBe(1);
      expect(result.out).toMatch(/^HTTP 403/);
      expect(result.out).toContain('signature-invalid');
    },
  );

  test.each(['sendgrid', 'postal', 'mailpace'])(
    '%s signed with another key is refused',
    async (name) => {
      const other = await cli(['keys', name]);
      const pem = other.out.slice(other.out.indexOf('-----BEGIN'));
      const file = `${harness.privateKeyFile}.${name}.other`;
      await writeFile(file, pem);
      const result = await cli(
        ['send', name, 'bounced', '--to', `${BASE}/${name}`, '--private-key', file],
        harness.handler,
      );
      expect(result.code).toBe(1);
      expect(result.out).toContain('signature-invalid');
    },
  );

  test.each([
    ['brevo', ['--password', 'wrong-brevo-password']],
    ['mailjet', ['--username', 'mailjet', '--password', 'wrong-mailjet-password']],
    ['sparkpost', ['--header', 'X-Webhook-Key: wrong-sparkpost-value']],
    ['ses-eventbridge', ['--token', 'wrong-eventbridge-token']],
  ])(
    '%s with a wrong shared secret is refused: exit code 1, never printed',
    async (name, flags) => {
      const result = await cli(
        ['send', name, 'delivered', '--to', `${BASE}/${name}`, ...flags],
        harness.handler,
      );
      expect(result.code).toBe(1);
      expect(result.out).toMatch(/^HTTP 403/);
      expect(`${result.out}\n${result.err}`).not.toMatch(/wrong-/);
    },
  );

  test('mandrill signs the URL: --to other than the configured url is refused', async () => {
    const result = await cli(
      [
        'send',
        'mandrill',
        'delivered',
        '--to',
        `${BASE}/mandrill?copy=1`,
        ...(harness.credentials.mandrill ?? []),
      ],
      harness.handler,
    );
    expect(result.code).toBe(1);
    expect(result.out).toContain('signature-invalid');
  });

  test.each(['sendgrid', 'postal', 'mailpace'])(
    'the public half `keys %s` prints is what the server is configured with',
    async (name) => {
      const printed = await cli(['keys', name]);
      const line = /^(MAIL_WEBHOOK_[A-Z_]+)=(\S+)$/m.exec(printed.out);
      expect(line).not.toBeNull();
      const [, variable = '', publicKey = ''] = line ?? [];
      const file = `${harness.privateKeyFile}.${name}.printed`;
      await writeFile(file, printed.out.slice(printed.out.indexOf('-----BEGIN')));
      const received: EmailTrackingContext[] = [];
      const handler = createMailWebhookHandler({
        ...optionsFromEnv({
          MAIL_WEBHOOK_ENABLED: 'true',
          MAIL_WEBHOOK_PROVIDERS: name,
          [variable]: publicKey,
        }),
        sinks: [{ name: 'test', send: async (events) => void received.push(...events) }],
        logger: silentLogger,
      });
      const result = await cli(
        ['send', name, 'delivered', '--to', `${BASE}/${name}`, '--private-key', file],
        handler,
      );
      expect(result.out).toMatch(/^HTTP 200/);
      expect(result.code).toBe(0);
      expect(received.map((c) => [c.espName, c.eventType])).toEqual([[name, 'delivered']]);
    },
  );

  test.each([
    // Postal's own signing key file is PKCS#1 (`BEGIN RSA PRIVATE KEY`): the CI key of the
    // fixtures, whose public half its vectors carry.
    [
      'postal',
      async () =>
        readFile(
          new URL('../fixtures/esps/postal/vectors/postal_ci_signing.key.pem', import.meta.url),
          'utf8',
        ),
      async () =>
        (
          JSON.parse(
            await readFile(
              new URL('../fixtures/esps/postal/vectors/vectors.json', import.meta.url),
              'utf8',
            ),
          ) as { public_key_spki_base64: string }
        ).public_key_spki_base64,
    ],
    // `openssl ecparam -genkey -name prime256v1` writes SEC1 (`BEGIN EC PRIVATE KEY`).
    ['sendgrid', async () => sec1.privateKey, async () => sec1.publicKey],
  ] as const)(
    '%s: --private-key also takes the PEM its tools write (PKCS#1 RSA, SEC1 EC), not only PKCS#8',
    async (name, privatePem, publicKey) => {
      const file = `${harness.privateKeyFile}.${name}.traditional`;
      await writeFile(file, await privatePem());
      const received: EmailTrackingContext[] = [];
      const handler = createMailWebhookHandler({
        providers: [
          name === 'postal'
            ? postal({ publicKey: await publicKey() })
            : sendgrid({ publicKey: await publicKey() }),
        ],
        sinks: [{ name: 'test', send: async (events) => void received.push(...events) }],
        logger: silentLogger,
      });
      const result = await cli(
        ['send', name, 'bounced', '--to', `${BASE}/${name}`, '--private-key', file],
        handler,
      );
      expect(result.out).toMatch(/^HTTP 200/);
      expect(result.code).toBe(0);
      expect(received.map((c) => [c.espName, c.eventType])).toEqual([[name, 'bounced']]);
    },
  );

  test('unisender-go escapes / as Unisender Go does, and still verifies', async () => {
    const bodies: string[] = [];
    const result = await cli(
      [
        'send',
        'unisender-go',
        'clicked',
        '--to',
        `${BASE}/unisender-go`,
        ...(harness.credentials['unisender-go'] ?? []),
      ],
      async (request) => {
        bodies.push(await request.clone().text());
        return harness.handler(request);
      },
    );
    expect(result.code).toBe(0);
    expect(bodies[0]).toContain('https:\\/\\/example.com\\/welcome');
    expect(bodies[0]).toMatch(/"auth":"[0-9a-f]{32}"/);
  });

  test('mailjet sends MessageID as a bare number past 2^53, read exactly', async () => {
    harness.received.length = 0;
    const bodies: string[] = [];
    await cli(
      [
        'send',
        'mailjet',
        'delivered',
        '--to',
        `${BASE}/mailjet`,
        ...(harness.credentials.mailjet ?? []),
      ],
      async (request) => {
        bodies.push(await request.clone().text());
        return harness.handler(request);
      },
    );
    const digits = /"MessageID":(\d{17}),/.exec(bodies[0] ?? '')?.[1];
    expect(digits).toBeDefined();
    expect(harness.received[0]?.messageId).toBe(digits);
  });

  test('an unreachable server is exit code 1, with the error and its cause worded as trigger words them', async () => {
    const result = await cli(['send', 'ses', 'delivered', '--to', 'http://127.0.0.1:9/x'], () => {
      throw new TypeError('fetch failed', {
        cause: new Error('connect ECONNREFUSED 127.0.0.1:9'),
      });
    });
    expect(result.code).toBe(1);
    expect(result.err).toContain(
      'could not reach http://127.0.0.1:9/x: TypeError: fetch failed (Error: connect ECONNREFUSED 127.0.0.1:9)',
    );
  });

  test('a host refusing on every address it resolves to names each refusal, not an empty AggregateError', async () => {
    const result = await cli(['send', 'ses', 'delivered', '--to', 'http://localhost:9/x'], () => {
      throw new TypeError('fetch failed', {
        cause: new AggregateError([
          new Error('connect ECONNREFUSED ::1:9'),
          new Error('connect ECONNREFUSED 127.0.0.1:9'),
        ]),
      });
    });
    expect(result.code).toBe(1);
    expect(result.err).toContain(
      'could not reach http://localhost:9/x: TypeError: fetch failed (Error: connect ECONNREFUSED ::1:9; Error: connect ECONNREFUSED 127.0.0.1:9)',
    );
  });

  test.each([
    ['localhost:8787/webhooks/mail/ses'],
    ['127.0.0.1:8787/webhooks/mail/ses'],
    ['hooks.example.com/webhooks/mail/ses'],
    ['ftp://hooks.example.com/webhooks/mail/ses'],
    ['/webhooks/mail/ses'],
  ])(
    '--to %s (no http:// or https://) is exit 2 saying how the URL must start; nothing is sent',
    async (to) => {
      for (const argv of [
        ['send', 'ses', 'bounced', '--to', to],
        ['trigger', 'bounced', '--to', to, '--secret', 'whsec_AAAA'],
      ]) {
        let sent = false;
        const result = await cli(argv, () => {
          sent = true;
          return new Response(null, { status: 200 });
        });
        expect(result.code).toBe(2);
        expect(result.err).toMatch(
          /^mailhooks (send|trigger): --to must be an absolute URL starting with http:\/\/ or https:\/\/\n/,
        );
        expect(sent).toBe(false);
      }
    },
  );

  test('--to with user:password@ is a usage error that prints neither, and points to --password', async () => {
    let fetched = false;
    const result = await cli(
      ['send', 'ses', 'delivered', '--to', 'http://u:pw-secret@127.0.0.1:9/x?tok=SECRET'],
      (request) => {
        fetched = true;
        return fetch(request);
      },
    );
    expect(result.code).toBe(2);
    expect(fetched).toBe(false);
    expect(result.err).toContain('--to must not carry credentials');
    expect(result.err).toContain('--password');
    expect(result.err).not.toMatch(/pw-secret|SECRET/);
  });

  test('a query on --to is sent but never printed, even when the error quotes the URL', async () => {
    let sentTo = '';
    const result = await cli(
      ['send', 'ses', 'delivered', '--to', 'http://127.0.0.1:9/x?tok=SECRET'],
      (request) => {
        sentTo = request.url;
        throw new TypeError(`fetch to ${request.url} failed`, { cause: new Error(request.url) });
      },
    );
    expect(sentTo).toBe('http://127.0.0.1:9/x?tok=SECRET');
    expect(result.code).toBe(1);
    expect(result.err).toContain(
      'could not reach http://127.0.0.1:9/x: TypeError: fetch to http://127.0.0.1:9/x failed (Error: http://127.0.0.1:9/x)',
    );
    expect(result.err).not.toContain('SECRET');
  });

  test('an answer that breaks off mid-body is exit code 1 with one line, not a stack', async () => {
    const result = await cli(['send', 'ses', 'delivered', '--to', 'http://127.0.0.1:9/x'], () => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"ok":'));
          controller.error(new TypeError('terminated', { cause: new Error('other side closed') }));
        },
      });
      return new Response(body, { status: 200 });
    });
    expect(result.code).toBe(1);
    expect(result.err).toContain(
      'could not reach http://127.0.0.1:9/x: TypeError: terminated (Error: other side closed)',
    );
  });

  test('--list names every provider and its events', async () => {
    const result = await cli(['send', '--list']);
    expect(result.code).toBe(0);
    for (const provider of CLI_PROVIDERS) expect(result.out).toContain(provider.name);
    expect(result.out).toMatch(/resend +queued, sent, delivered/);
    expect(result.out).toMatch(/ses-eventbridge +sent, delivered/);
    expect(result.out).toMatch(/scaleway +queued, delivered, deferred, bounced, rejected/);
  });

  test('--list is two columns: every event list, and the signing line under it, start past the longest name and a blank', async () => {
    const lines = (await cli(['send', '--list'])).out.split('\n');
    const column = Math.max(...CLI_PROVIDERS.map((p) => p.name.length)) + 2;
    expect(lines).toHaveLength(2 * CLI_PROVIDERS.length);
    CLI_PROVIDERS.forEach((provider, i) => {
      expect(lines[2 * i]).toBe(
        `${provider.name.padEnd(column)}${Object.keys(provider.events).join(', ')}`,
      );
      expect(lines[2 * i + 1]).toBe(`${' '.repeat(column)}${provider.signing}`);
    });
  });
});

describe('mailhooks usage errors (exit code 2)', () => {
  test.each([
    [['send', 'nope', 'bounced', '--to', 'http://x.test/']],
    [['send', 'resend', 'nope', '--to', 'http://x.test/', '--secret', 'whsec_AAAA']],
    [['send', 'resend', 'bounced', '--secret', 'whsec_AAAA']],
    [['send', 'resend', 'bounced', '--to', 'ftp://x.test/', '--secret', 'whsec_AAAA']],
    [['send', 'resend', 'bounced', '--to', 'http://x.test/']],
    [['send', 'resend', 'bounced', '--to', 'http://x.test/', '--password', 'p']],
    [['send', 'resend', 'bounced', '--to', 'http://x.test/', '--secret', 'not base64!']],
    [['send', 'postmark', 'bounced', '--to', 'http://x.test/']],
    [
      [
        'send',
        'postmark',
        'bounced',
        '--to',
        'http://x.test/',
        '--username',
        'u',
        '--header',
        'X-A: b',
      ],
    ],
    [['send', 'postmark', 'bounced', '--to', 'http://x.test/', '--header', 'no colon']],
    [
      [
        'send',
        'sendgrid',
        'bounced',
        '--to',
        'http://x.test/',
        '--private-key',
        '/nonexistent.pem',
      ],
    ],
    [['send', 'ses', 'bounced', '--to', 'http://x.test/', '--recipients', 'not-an-address']],
    [['send', 'ses', 'bounced', '--to', 'http://x.test/', '--bogus']],
    [['send', 'ses']],
    [['send', '--list', 'extra']],
    [['send', 'ses', 'bounced', 'extra', '--to', 'http://x.test/']],
    [['trigger', 'bounced', 'extra', '--to', 'http://x.test/', '--secret', 'whsec_AAAA']],
    [['keys', 'sendgrid', 'extra']],
    [['trigger', 'bounced', '--to', 'http://x.test/']],
    [['trigger', 'bounced', '--to', 'http://x.test/', '--secret', 'not-whsec']],
    [['trigger', 'nope', '--to', 'http://x.test/', '--secret', 'whsec_AAAA']],
    [['keys', 'resend']],
    [['frobnicate']],
    [[]],
  ])('%j', async (argv) => {
    const result = await cli(argv);
    expect(result.code).toBe(2);
    expect(result.err).not.toBe('');
  });

  test.each([
    [
      [
        'send',
        'ses',
        'bounced',
        '--to',
        `${BASE}/ses`,
        '--recipients',
        'a@x.test',
        '--recipients',
        'b@x.test',
      ],
      '--recipients',
    ],
    [['send', 'ses', 'bounced', '--to', `${BASE}/ses`, '--to', `${BASE}/ses`], '--to'],
    [
      [
        'send',
        'mailgun',
        'bounced',
        '--to',
        `${BASE}/mailgun`,
        '--secret',
        'old-secret',
        '--secret',
        MAILGUN_KEY,
      ],
      '--secret',
    ],
    [
      [
        'trigger',
        'bounced',
        '--to',
        'http://x.test/',
        '--secret',
        'whsec_AAAA',
        '--provider',
        'ses',
        '--provider',
        'resend',
      ],
      '--provider',
    ],
  ])(
    '%j: a value flag given twice is a usage error naming it (not the last silently taken)',
    async (argv, flag) => {
      harness.received.length = 0;
      const result = await cli(argv, harness.handler);
      expect(result.code).toBe(2);
      expect(result.err).toMatch(new RegExp(`^mailhooks \\w+: ${flag} is given twice\\n`));
      expect(result.err).not.toContain('old-secret');
      expect(result.out).toBe('');
      expect(harness.received).toEqual([]);
    },
  );

  test('a flag that takes no value given twice (--list --list) is no usage error: the list, exit code 0', async () => {
    const once = await cli(['send', '--list']);
    const twice = await cli(['send', '--list', '--list']);
    expect(twice).toEqual(once);
    expect(twice.code).toBe(0);
  });

  test.each([300, 301, 302, 303, 307])(
    'a %d with a Location is printed with where it points, never followed: exit code 1',
    async (status) => {
      const result = await cli(
        ['send', 'ses', 'bounced', '--to', 'http://x.test/webhooks/mail/ses'],
        () =>
          new Response(null, { status, headers: { location: 'https://x.test/webhooks/mail/ses' } }),
      );
      expect({ code: result.code, out: result.out }).toEqual({
        code: 1,
        out: `HTTP ${status}\nredirected to https://x.test/webhooks/mail/ses, not followed: post to it with --to`,
      });
    },
  );

  test.each([
    ['a 400 with a Location', 400, 'https://x.test/elsewhere'],
    ['a 302 whose Location is no URL', 302, 'http://[bad'],
    ['a 302 without a Location', 302, undefined],
    ['a 201 with a Location', 201, 'https://x.test/events/1'],
  ])('%s: only the status line and the answer', async (_name, status, location) => {
    const result = await cli(
      ['send', 'ses', 'bounced', '--to', 'http://x.test/webhooks/mail/ses'],
      () =>
        new Response('{"ok":false}', {
          status,
          headers: location === undefined ? {} : { location },
        }),
    );
    expect({ code: result.code, out: result.out }).toEqual({
      code: status < 300 ? 0 : 1,
      out: `HTTP ${status}\n{"ok":false}`,
    });
  });

  test('a redirect is printed with where it points (origin and path), never followed: exit code 1', async () => {
    const requests: Request[] = [];
    const result = await cli(
      ['send', 'ses', 'bounced', '--to', 'http://x.test/webhooks/mail/ses'],
      (request) => {
        requests.push(request);
        return new Response(null, {
          status: 308,
          headers: { location: '/moved/ses?token=hidden' },
        });
      },
    );
    expect(result.code).toBe(1);
    expect(result.out).toBe(
      'HTTP 308\nredirected to http://x.test/moved/ses, not followed: post to it with --to',
    );
    expect(requests.map((request) => request.url)).toEqual(['http://x.test/webhooks/mail/ses']);
  });

  test.each(['mailgun', 'mailersend', 'mailtrap', 'mandrill', 'unisender-go'])(
    '%s with an empty --secret is a usage error naming the flag, never a crash',
    async (name) => {
      const result = await cli([
        'send',
        name,
        'delivered',
        '--to',
        'http://x.test/',
        '--secret',
        '',
      ]);
      expect(result.code).toBe(2);
      expect(result.err).toMatch(/^mailhooks send: --secret is empty\n/);
    },
  );

  test.each([
    ['--token', 'line\nbreak-secret'],
    ['--token', 'euro€-secret'],
    ['--header', 'X-Webhook-Key: line\r\nbreak-secret'],
    ['--header', 'X-Webhook-Key: euro€-secret'],
  ])(
    '%s %j, which no HTTP header carries, is a usage error that never prints it',
    async (flag, value) => {
      const result = await cli([
        'send',
        'postmark',
        'opened',
        '--to',
        'http://x.test/',
        flag,
        value,
      ]);
      expect(result.code).toBe(2);
      expect(result.err).toMatch(new RegExp(`^mailhooks send: ${flag} holds `));
      expect(result.err).not.toContain('-secret');
    },
  );

  test.each([
    [['send', 'ses', 'bounced', '--to', 'http://x.test/', '--bogus'], 'send', '--bogus'],
    [['keys', 'sendgrid', '-x'], 'keys', '-x'],
    [
      ['trigger', 'bounced', '--to', 'http://x.test/', '--secrte', 'whsec_AAAA'],
      'trigger',
      '--secrte',
    ],
  ])('%j: an unknown flag is named, with no advice about "--"', async (argv, command, flag) => {
    const result = await cli(argv);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(new RegExp(`^mailhooks ${command}: unknown option ${flag}[;\\n]`));
    expect(result.err).not.toContain("'--'");
  });

  test.each([
    [['snd'], 'mailhooks: unknown command "snd"; did you mean send?\n\nUsage: mailhooks'],
    [['--verison'], 'mailhooks: unknown command "--verison"; did you mean --version?\n'],
    [
      ['send', 'resend', 'bounced', '--to', 'http://x.test/', '--secert', 'whsec_AAAA'],
      'mailhooks send: unknown option --secert; did you mean --secret?\n',
    ],
    [
      ['send', 'sendgrid', 'bounced', '--to', 'http://x.test/', '--private_key', 'k.pem'],
      'mailhooks send: unknown option --private_key; did you mean --private-key?\n',
    ],
    [
      ['send', 'resend', 'bounced', '--tp', 'http://x.test/'],
      'unknown option --tp; did you mean --to?\n',
    ],
    [
      ['trigger', 'bounced', '--to', 'http://x.test/', '--secrte', 'whsec_AAAA'],
      'mailhooks trigger: unknown option --secrte; did you mean --secret?\n',
    ],
    [
      ['send', 'resnd', 'bounced', '--to', 'http://x.test/'],
      'mailhooks send: unknown provider "resnd"; did you mean resend? (one of: ses, resend, sendgrid, ',
    ],
    [
      ['send', 'SendGrid', 'bounced', '--to', 'http://x.test/'],
      'unknown provider "SendGrid"; did you mean sendgrid? (one of: ',
    ],
    [
      ['send', 'resend', 'delivred', '--to', 'http://x.test/'],
      'mailhooks send: resend has no "delivred" sample; did you mean delivered? (one of: queued, sent, delivered, ',
    ],
    [
      ['trigger', 'bouncd', '--to', 'http://x.test/', '--secret', 'whsec_AAAA'],
      'mailhooks trigger: unknown event type "bouncd"; did you mean bounced? (one of: queued, sent, ',
    ],
    [
      ['keys', 'sendgird'],
      'mailhooks keys: no key pair for "sendgird"; did you mean sendgrid? (one of: sendgrid, postal, mailpace)\n',
    ],
  ])('%j: exit 2, and the typo is named with the name it likely meant', async (argv, expected) => {
    const result = await cli(argv);
    expect(result.code).toBe(2);
    expect(result.err).toContain(expected);
    expect(result.out).toBe('');
  });

  test.each([
    [['send', 'ses', 'bounced', '--to', 'http://x.test/', '--bogus'], 'unknown option --bogus\n'],
    [
      ['send', 'nope', 'bounced', '--to', 'http://x.test/'],
      'unknown provider "nope" (one of: ses, ',
    ],
    [['keys', 'resend'], 'no key pair for "resend" (one of: sendgrid, postal, mailpace)\n'],
    [['frobnicate'], 'mailhooks: unknown command "frobnicate"\n\n'],
  ])('%j: a name close to none gets no guess, only the list', async (argv, expected) => {
    const result = await cli(argv);
    expect(result.code).toBe(2);
    expect(result.err).toContain(expected);
    expect(result.err).not.toContain('did you mean');
  });

  test('trigger --provider with a name no provider has says it is unknown, and lists them', async () => {
    const result = await cli([
      'trigger',
      'bounced',
      '--provider',
      'sengrid',
      '--to',
      'http://x.test/',
      '--secret',
      'whsec_AAAA',
    ]);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(
      /^mailhooks trigger: --provider: unknown provider "sengrid"; did you mean sendgrid\? \(one of: ses, resend, sendgrid, /,
    );
  });

  test('a usage error never prints the secret it was given', async () => {
    const result = await cli([
      'trigger',
      'bounced',
      '--to',
      'http://x.test/',
      '--secret',
      'topsecret-value',
    ]);
    expect(result.code).toBe(2);
    expect(result.err).not.toContain('topsecret-value');
  });

  test.each([
    [['--help']],
    [['send', '--help']],
    [['trigger', '--help']],
    [['keys', '--help']],
    [['send', '-h']],
  ])('%j prints usage, exit code 0', async (argv) => {
    const result = await cli(argv);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^Usage: mailhooks/);
  });

  test.each([[['--help']], [['send', '--help']], [['trigger', '--help']]])(
    '%j states the exit codes the command returns',
    async (argv) => {
      const result = await cli(argv);
      expect(result.out).toContain(
        'Exit codes: 0 sent and answered 2xx, 1 refused or unreachable, 2 usage error.',
      );
    },
  );

  test.each([
    ['send', /^Usage: mailhooks send <provider> <eventType>/],
    ['trigger', /^Usage: mailhooks trigger <eventType>/],
    ['keys', /^Usage: mailhooks keys <provider>/],
  ])("help %s (and --help %s) prints that command's usage, exit code 0", async (command, usage) => {
    for (const first of ['help', '--help']) {
      const result = await cli([first, command]);
      expect(result.code).toBe(0);
      expect(result.out).toMatch(usage);
      expect(result.err).toBe('');
    }
  });

  test('help with a mistyped command is a usage error naming it, not the general help with exit 0', async () => {
    for (const first of ['help', '--help']) {
      const result = await cli([first, 'trigerr']);
      expect(result.code).toBe(2);
      expect(result.out).toBe('');
      expect(result.err).toMatch(/^mailhooks: unknown command "trigerr"; did you mean trigger\?/);
    }
  });

  test('help with a command that only starts with help or version is a usage error naming it', async () => {
    for (const topic of ['helpx', 'versions']) {
      const result = await cli(['help', topic]);
      expect({ code: result.code, out: result.out }).toEqual({ code: 2, out: '' });
      expect(result.err).toMatch(new RegExp(`^mailhooks: unknown command "${topic}"`));
    }
  });

  test.each([
    [['help']],
    [['help', 'help']],
    [['help', '--help']],
    [['-h', '-h']],
    [['help', 'version']],
  ])('%j prints the general usage, exit code 0', async (argv) => {
    const result = await cli(argv);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^Usage: mailhooks <command>/);
  });
});

/** Their bounce sample is an unknown mailbox, which they (and anymail) file as `invalid`. */
const INVALID_BOUNCES = new Set(['sparkpost', 'scaleway']);
/** Loops' click event names no link. */
const NO_CLICK_URL = new Set(['loops']);

const CATEGORY: Record<string, string | null> = {
  bounced: 'bounced',
  complained: 'spam',
  unsubscribed: 'unsubscribed',
  delivered: null,
  opened: null,
  clicked: null,
};
