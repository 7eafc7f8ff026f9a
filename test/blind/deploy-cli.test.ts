/** Blind: the `mailhooks` command as a user runs it (the installed package's bin), against live servers. */
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createHandlerFromEnv } from '../../src/env/index.js';
import { verifyTrackingWebhook } from '../../src/receiver.js';
import {
  captureConsole,
  freePort,
  newWhsec,
  serveHandler,
  withReceiver,
} from './deploy-helpers.js';
import { start, useInstalledPackage } from './deploy-proc.js';

const pkg = useInstalledPackage();

async function cli(...args: string[]) {
  const p = start(process.execPath, [pkg.cli, ...args], {});
  const code = await p.exit;
  return { code, stdout: p.stdout(), stderr: p.stderr(), all: p.stdout() + p.stderr() };
}

/** `mailhooks send <esp> <event> --to <to> ...more` */
const send = (esp: string, event: string, to: string, ...more: string[]) =>
  cli('send', esp, event, '--to', to, ...more);
/** `mailhooks send <esp> <event>` to that ESP's route on `server`. */
const sendTo = (server: { url: string }, esp: string, event: string, ...more: string[]) =>
  send(esp, event, `${server.url}/webhooks/mail/${esp}`, ...more);
/** `mailhooks trigger <event> --to <to> ...more` */
const trigger = (event: string, to: string, ...more: string[]) =>
  cli('trigger', event, '--to', to, ...more);

type Handle = (r: Request) => Promise<Response>;
async function serverFromEnv(env: Record<string, string>) {
  const logs = captureConsole();
  const handle = (await (createHandlerFromEnv as (e: Record<string, string>) => unknown)({
    MAIL_WEBHOOK_ENABLED: 'true',
    ...env,
  })) as Handle;
  const server = await serveHandler(handle);
  return {
    ...server,
    logs,
    close: async () => {
      await server.close();
      logs.restore();
    },
  };
}

/** Runs `body` against a server built from `env`, closing it however `body` ends. */
async function withServer(
  env: Record<string, string>,
  body: (server: Awaited<ReturnType<typeof serverFromEnv>>) => Promise<void>,
) {
  const server = await serverFromEnv(env);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

describe('usage', () => {
  it('--help exits 0 and names the commands', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    for (const word of ['send', 'trigger', 'keys']) expect(r.all).toContain(word);
  });

  it.each([['send'], ['trigger'], ['keys']])('%s --help exits 0', async (command) => {
    const r = await cli(command, '--help');
    expect(r.code).toBe(0);
    expect(r.all).toContain(command);
  });

  it('send --list exits 0 and lists providers and their event types', async () => {
    const r = await cli('send', '--list');
    expect(r.code).toBe(0);
    for (const word of [
      'ses',
      'resend',
      'sendgrid',
      'mailgun',
      'postmark',
      'unisender-go',
      'ses-eventbridge',
      'bounced',
      'delivered',
    ]) {
      expect(r.stdout).toContain(word);
    }
  });

  it.each([
    [['send', '--list', 'extra']],
    [['send', '--list', '--to', 'http://127.0.0.1:19799/x']],
    [['send', '--list', '--secret', 'whsec_AAAA']],
    [['send', 'nosuchesp', 'bounced', '--to', 'http://127.0.0.1:19799/x']],
    [['send', 'resend', 'exploded', '--to', 'http://127.0.0.1:19799/x', '--secret', 'whsec_AAAA']],
    [['send', 'resend', 'bounced']],
    [
      [
        'send',
        'resend',
        'bounced',
        '--to',
        'http://127.0.0.1:19799/x',
        '--secret',
        'whsec_AAAA',
        '--bogus',
      ],
    ],
    [['send', 'postmark', 'opened', '--to', 'http://user:pw@127.0.0.1:19799/x']],
    [['trigger', 'bounced', '--to', 'http://127.0.0.1:19799/x?token=1', '--secret', newWhsec()]],
    [['trigger', 'bounced', '--to', 'http://127.0.0.1:19799/x']],
    [['frobnicate']],
    [[]],
  ])('usage error %j exits 2', async (args) => {
    const r = await cli(...args);
    expect(r.code).toBe(2);
    expect(r.all).not.toContain(':pw@');
  });
});

// Tests here run up to four CLI processes one after another: on a busy 2-CPU machine each start
// takes over a second, past vitest's default 5 s per test, and a test cut off there leaves its
// server's console capture to the next one (as in cli.test.ts).
describe('send', { timeout: 60_000 }, () => {
  it('resend bounced, signed with --secret: exit 0 and the answer printed', async () => {
    const secret = newWhsec();
    await withServer(
      {
        MAIL_WEBHOOK_PROVIDERS: 'resend',
        MAIL_WEBHOOK_RESEND_SECRET: secret,
      },
      async (server) => {
        const r = await sendTo(server, 'resend', 'bounced', '--secret', secret);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain('200');
        expect(r.stdout).toContain('"events":1');
        const event = server.logs.lines.find((l) => l.msg === 'event');
        expect(event).toMatchObject({ esp: 'resend', eventType: 'bounced' });
        expect(r.all).not.toContain(secret);
      },
    );
  });

  it('a wrong secret: exit 1 and the 403 printed', async () => {
    await withServer(
      {
        MAIL_WEBHOOK_PROVIDERS: 'resend',
        MAIL_WEBHOOK_RESEND_SECRET: newWhsec(),
      },
      async (server) => {
        const r = await sendTo(server, 'resend', 'bounced', '--secret', newWhsec());
        expect(r.code).toBe(1);
        expect(r.all).toContain('403');
      },
    );
  });

  it('an unreachable server: exit 1, one line naming the error', async () => {
    const to = `http://127.0.0.1:${await freePort()}/webhooks/mail/ses`;
    const r = await send('ses', 'bounced', to);
    expect(r.code).toBe(1);
    expect(r.all).toContain(`could not reach ${to}`);
    expect(r.all).toContain('ECONNREFUSED');
  });

  it('ses is sent unsigned, for a server with verification off', async () => {
    await withServer({ MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false' }, async (server) => {
      const r = await sendTo(server, 'ses', 'complained');
      expect(r.code).toBe(0);
      expect(server.logs.lines.find((l) => l.msg === 'event')).toMatchObject({
        esp: 'ses',
        eventType: 'complained',
      });
    });
  });

  it('postmark with --password, and with --header', async () => {
    await withServer(
      {
        MAIL_WEBHOOK_PROVIDERS: 'postmark',
        MAIL_WEBHOOK_POSTMARK_PASSWORD: 'pw-1',
      },
      async (server) => {
        const ok = await sendTo(server, 'postmark', 'opened', '--password', 'pw-1');
        expect(ok.code).toBe(0);
        const none = await sendTo(server, 'postmark', 'opened');
        // No credentials for an ESP that needs them is a usage error, said before anything is sent.
        expect(none.code).toBe(2);
        expect(none.all).toContain('--password');
        const wrong = await sendTo(server, 'postmark', 'opened', '--password', 'pw-2');
        expect(wrong.code).toBe(1);
        expect(wrong.all).toContain('403');
      },
    );
    await withServer(
      {
        MAIL_WEBHOOK_PROVIDERS: 'postmark',
        MAIL_WEBHOOK_POSTMARK_HEADER: 'X-Webhook-Token',
        MAIL_WEBHOOK_POSTMARK_VALUE: 'tok-1',
      },
      async (byHeader) => {
        const ok = await sendTo(
          byHeader,
          'postmark',
          'opened',
          '--header',
          'X-Webhook-Token: tok-1',
        );
        expect(ok.code).toBe(0);
      },
    );
  });

  it('mailgun delivered with --recipients: one event each', async () => {
    const key = 'key-0123456789abcdef';
    await withServer(
      {
        MAIL_WEBHOOK_PROVIDERS: 'mailgun',
        MAIL_WEBHOOK_MAILGUN_SIGNING_KEY: key,
      },
      async (server) => {
        const r = await sendTo(
          server,
          'mailgun',
          'delivered',
          '--secret',
          key,
          '--recipients',
          'a@example.com,b@example.com',
        );
        expect(r.code).toBe(0);
        const recipients = server.logs.lines
          .filter((l) => l.msg === 'event')
          .map((l) => l.recipient);
        expect(recipients.sort()).toEqual(['a@example.com', 'b@example.com']);
      },
    );
  });

  it('a query on --to is sent, but printed as origin and path only', async () => {
    await withReceiver(async (receiver) => {
      const r = await send('ses', 'delivered', `${receiver.url}/hook?token=s3cr3t`);
      expect(r.code).toBe(0);
      expect(receiver.received[0]?.url).toBe('/hook?token=s3cr3t');
      expect(r.all).not.toContain('s3cr3t');
    });
  });
});

describe('keys', { timeout: 60_000 }, () => {
  it.each([
    ['sendgrid', 'MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY'],
    ['postal', 'MAIL_WEBHOOK_POSTAL_PUBLIC_KEY'],
    ['mailpace', 'MAIL_WEBHOOK_MAILPACE_PUBLIC_KEY'],
  ] as const)(
    'keys %s prints a pair that send --private-key and the server agree on',
    async (esp, variable) => {
      const keys = await cli('keys', esp);
      expect(keys.code).toBe(0);
      const match = new RegExp(`${variable}=(\\S+)`).exec(keys.stdout);
      expect(match).not.toBeNull();
      const pem = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----/.exec(
        keys.stdout,
      )?.[0];
      expect(pem).toBeTruthy();
      const file = `${pkg.dir}/${esp}.pem`;
      writeFileSync(file, `${pem}\n`);
      const env = { MAIL_WEBHOOK_PROVIDERS: esp, [variable]: match?.[1] ?? '' };
      await withServer(env, async (server) => {
        const r = await sendTo(server, esp, 'delivered', '--private-key', file);
        expect(r.code).toBe(0);
        expect(server.logs.lines.find((l) => l.msg === 'event')).toMatchObject({
          esp,
          eventType: 'delivered',
        });
      });
    },
  );

  it('keys for a provider that does not sign with a key is a usage error', async () => {
    const r = await cli('keys', 'resend');
    expect(r.code).toBe(2);
  });
});

describe('trigger', { timeout: 60_000 }, () => {
  it('posts a normalized event signed as the fan-out signs it; exit 0', async () => {
    await withReceiver(async (receiver) => {
      const secret = newWhsec();
      const r = await trigger('complained', `${receiver.url}/hooks/mail`, '--secret', secret);
      expect(r.code).toBe(0);
      expect(receiver.received).toHaveLength(1);
      const got = receiver.received[0];
      const body = JSON.parse(got?.body ?? '{}');
      expect(body.type).toBe('email.complained');
      expect(body.data.eventType).toBe('complained');
      expect(body.data.espName).toBe('ses');
      expect(body.data.rejectCategory).toBe('spam');
      expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
      const context = await verifyTrackingWebhook(
        new Request('http://127.0.0.1/hooks/mail', {
          method: 'POST',
          headers: got?.headers as Record<string, string>,
          body: got?.body,
        }),
        secret,
      );
      expect(context.eventType).toBe('complained');
    });
  });

  it('--provider picks another ESP sample', async () => {
    await withReceiver(async (receiver) => {
      const r = await trigger(
        'bounced',
        `${receiver.url}/h`,
        '--secret',
        newWhsec(),
        '--provider',
        'resend',
      );
      expect(r.code).toBe(0);
      expect(JSON.parse(receiver.received[0]?.body ?? '{}').data.espName).toBe('resend');
    });
  });

  it('unknown is an SES Subscription opt-in sample', async () => {
    await withReceiver(async (receiver) => {
      const r = await trigger('unknown', `${receiver.url}/h`, '--secret', newWhsec());
      expect(r.code).toBe(0);
      const body = JSON.parse(receiver.received[0]?.body ?? '{}');
      expect(body.type).toBe('email.unknown');
      expect(body.data.rejectCategory).toBeNull();
    });
  });

  it('a receiver that refuses: exit 1', async () => {
    await withReceiver(
      async (receiver) => {
        const r = await trigger('bounced', `${receiver.url}/h`, '--secret', newWhsec());
        expect(r.code).toBe(1);
        expect(r.all).toContain('400');
      },
      () => 400,
    );
  });

  it('an unreachable receiver: exit 1, naming the error after 1 attempt', async () => {
    const to = `http://127.0.0.1:${await freePort()}/h`;
    const r = await trigger('bounced', to, '--secret', newWhsec());
    expect(r.code).toBe(1);
    expect(r.all).toContain('could not reach');
    expect(r.all).toContain('after 1 attempt');
  });
});
