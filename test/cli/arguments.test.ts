/** The command's arguments at their edges: `--to`, `--recipients`, `--header`, `--token`. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  BASE,
  cli,
  MAILGUN_KEY,
  RESEND_SECRET,
  SPARKPOST_HEADER_VALUE,
  startHarness,
} from './harness';

let harness: Awaited<ReturnType<typeof startHarness>>;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness?.cleanup());

/** Runs `argv` against the harness; also says whether anything was posted. */
async function run(argv: string[]) {
  harness.received.length = 0;
  let posted = false;
  const result = await cli(argv, (request) => {
    posted = true;
    return harness.handler(request);
  });
  return { ...result, posted };
}

/** `mailhooks send <provider> <type> --to <the harness's route> ...flags`, run as `run` does. */
const send = (provider: string, type: string, flags: string[]) =>
  run(['send', provider, type, '--to', `${BASE}/${provider}`, ...flags]);

describe('--to', () => {
  test.each([
    ['a user name alone', 'http://hook-user@127.0.0.1:9/webhooks/mail/ses', 'hook-user'],
    ['a password alone', 'http://:hook-password@127.0.0.1:9/webhooks/mail/ses', 'hook-password'],
  ])('with %s before the host is a usage error that never prints it', async (_, to, secret) => {
    const result = await run(['send', 'ses', 'delivered', '--to', to]);
    expect(result.code).toBe(2);
    expect(result.posted).toBe(false);
    expect(result.err).toMatch(
      /^mailhooks send: --to must not carry credentials \(user:password@\); use --password/,
    );
    expect(result.err).not.toContain(secret);
  });
});

describe('--recipients', () => {
  test('blanks around the commas, and a trailing comma, are not part of any address', async () => {
    const result = await send('ses', 'delivered', [
      '--recipients',
      ' a@example.com , b@example.org,',
    ]);
    expect(result.code).toBe(0);
    expect(harness.received.map((c) => c.recipient).sort()).toEqual([
      'a@example.com',
      'b@example.org',
    ]);
  });

  test('commas and blanks alone list no address: a usage error saying so', async () => {
    const result = await send('ses', 'delivered', ['--recipients', ' , ']);
    expect(result.code).toBe(2);
    expect(result.posted).toBe(false);
    expect(result.err).toMatch(/^mailhooks send: --recipients lists no address\n/);
  });

  test.each(['Jane <jane@example.com>', 'jane@example.com x', 'jane@@example.com'])(
    '%j is no address: a usage error quoting it, nothing sent',
    async (address) => {
      const result = await send('ses', 'delivered', ['--recipients', address]);
      expect(result.code).toBe(2);
      expect(result.posted).toBe(false);
      expect(result.err).toContain(`--recipients: "${address}" is not an email address`);
    },
  );
});

describe('--header', () => {
  test("blanks around the name and the value are not part of either: 'Name : value ' is accepted", async () => {
    const result = await send('sparkpost', 'delivered', [
      '--header',
      `X-Webhook-Key :  ${SPARKPOST_HEADER_VALUE}  `,
    ]);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^HTTP 200/);
    expect(harness.received.map((c) => c.eventType)).toEqual(['delivered']);
  });

  test("'Name:value' with no blank after the colon sends the value whole", async () => {
    const result = await send('sparkpost', 'delivered', [
      '--header',
      `X-Webhook-Key:${SPARKPOST_HEADER_VALUE}`,
    ]);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^HTTP 200/);
    expect(harness.received.map((c) => c.eventType)).toEqual(['delivered']);
  });

  test.each(['X Webhook-Key: value', 'X-Webhook-Key(1): value', ': value'])(
    '%j names no header: a usage error, nothing sent',
    async (header) => {
      const result = await send('sparkpost', 'delivered', ['--header', header]);
      expect(result.code).toBe(2);
      expect(result.posted).toBe(false);
      expect(result.err).toMatch(/^mailhooks send: --header must be 'Name: value'\n/);
    },
  );
});

describe('--private-key', () => {
  test('a file that cannot be read is a usage error naming it, not a key that does not parse', async () => {
    const result = await send('sendgrid', 'bounced', ['--private-key', '/nonexistent/key.pem']);
    expect(result.code).toBe(2);
    expect(result.posted).toBe(false);
    expect(result.err).toMatch(
      /^mailhooks send: --private-key: cannot read \/nonexistent\/key.pem\n/,
    );
  });
});

describe('a query on --to', () => {
  test('is never printed when the error quotes the URL as parsed rather than as given', async () => {
    const result = await cli(
      ['send', 'ses', 'delivered', '--to', 'HTTP://127.0.0.1:9/x?tok=SECRET'],
      (request) => {
        throw new TypeError(`fetch to ${request.url} failed`);
      },
    );
    expect(result.code).toBe(1);
    expect(result.err).toContain(
      'could not reach http://127.0.0.1:9/x: TypeError: fetch to http://127.0.0.1:9/x failed',
    );
    expect(result.err).not.toContain('SECRET');
  });
});

describe('a credential the provider does not read', () => {
  test.each([
    [
      'resend',
      ['--secret', RESEND_SECRET, '--password', 'stray'],
      'resend does not take --password',
    ],
    ['ses', ['--secret', 'stray'], 'ses does not take --secret'],
    ['postmark', ['--password', 'p', '--secret', 'stray'], 'postmark does not take --secret'],
    ['sendgrid', ['--private-key', 'k.pem', '--token', 'stray'], 'sendgrid does not take --token'],
  ])(
    '%s with %j is a usage error naming the flag and what it uses, nothing sent',
    async (name, flags, message) => {
      const result = await send(name, 'delivered', flags);
      expect(result.code).toBe(2);
      expect(result.posted).toBe(false);
      expect(result.err).toMatch(new RegExp(`^mailhooks send: ${message}; it uses `));
      expect(result.err).not.toContain('stray');
    },
  );
});

describe('--password with --token', () => {
  test('both would be the Authorization header: a usage error, never printed, nothing sent', async () => {
    const result = await send('postmark', 'delivered', [
      '--password',
      'pw-secret',
      '--token',
      'token-secret',
    ]);
    expect(result.code).toBe(2);
    expect(result.posted).toBe(false);
    expect(result.err).toMatch(
      /^mailhooks send: --password and --token both set Authorization: give one\n/,
    );
    expect(result.err).not.toMatch(/pw-secret|token-secret/);
  });
});

describe('a provider without its credential', () => {
  test.each([
    ['sendgrid', 'sendgrid needs ECDSA P-256'],
    ['postal', 'postal needs '],
    ['mailpace', 'mailpace needs Ed25519'],
    ['mailgun', 'mailgun needs signature block'],
  ])('%s with none is a usage error saying what it needs, nothing sent', async (name, message) => {
    const result = await send(name, 'delivered', []);
    expect(result.code).toBe(2);
    expect(result.posted).toBe(false);
    expect(result.err.startsWith(`mailhooks send: ${message}`)).toBe(true);
  });
});

describe('a server that redirects', () => {
  test('the redirect is printed and never followed: exit code 1, its target never asked', async () => {
    const asked: string[] = [];
    const server = createServer((request, response) => {
      asked.push(`${request.method} ${request.url}`);
      if (request.url === '/moved') {
        response.writeHead(302, { location: '/webhooks/mail/ses' }).end();
      } else {
        response.writeHead(200).end('{"ok":true}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const result = await cli(
        ['send', 'ses', 'delivered', '--to', `http://127.0.0.1:${port}/moved`],
        (request) => fetch(request),
      );
      expect(result.code).toBe(1);
      expect(result.out).toBe(
        `HTTP 302 Found\nredirected to http://127.0.0.1:${port}/webhooks/mail/ses, not followed: post to it with --to`,
      );
      expect(asked).toEqual(['POST /moved']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('send --list with anything else', () => {
  test.each([
    [['--to', 'http://x.test/'], '--list takes no arguments (got --to)'],
    [
      ['--secret', 'stray', '--recipients', 'a@x.test'],
      '--list takes no arguments (got --secret, --recipients)',
    ],
    [['ses'], '--list takes no arguments'],
  ])(
    'send --list %j would send nothing: a usage error saying so, no list',
    async (extra, message) => {
      const result = await run(['send', '--list', ...extra]);
      expect(result.code).toBe(2);
      expect(result.out).toBe('');
      expect(result.err).toMatch(
        new RegExp(`^mailhooks send: ${message.replace(/[()]/g, '\\$&')}\n`),
      );
      expect(result.err).not.toContain('stray');
    },
  );
});

describe('several requests in one run', () => {
  // Mailgun posts one request per recipient.
  test('one refused and a later one taken is exit code 1, with both answers printed', async () => {
    let posts = 0;
    const result = await cli(
      [
        'send',
        'mailgun',
        'delivered',
        '--to',
        `${BASE}/mailgun`,
        '--secret',
        MAILGUN_KEY,
        '--recipients',
        'a@example.com,b@example.com',
      ],
      () => new Response(`answer ${++posts}`, { status: posts === 1 ? 500 : 200 }),
    );
    expect(posts).toBe(2);
    expect(result.code).toBe(1);
    expect(result.out).toBe('HTTP 500\nanswer 1\nHTTP 200\nanswer 2');
  });
});
