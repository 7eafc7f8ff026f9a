/** Options a typo or an old habit would get wrong: each stops start-up with a ConfigError naming it. */
import { describe, expect, test } from 'vitest';
import {
  createMailWebhookHandler as nodeCreateHandler,
  handleMailWebhook as nodeHandle,
} from '../../src/adapters/node.js';
import {
  brevo,
  ConfigError,
  createMailWebhookHandler,
  defineProvider,
  handleMailWebhook,
  type MailWebhookOptions,
  mailersend,
  mailgun,
  mailtrap,
  mandrill,
  postal,
  resend,
  scaleway,
  ses,
  sesEventBridge,
  unisenderGo,
} from '../../src/index.js';
import { configErrorOf } from '../helpers/config-error.js';
import { memoryLogger } from '../helpers/envelope.js';
import { fakeStore } from '../store/fake-store.js';

const quiet = () => memoryLogger().logger;
const RESEND_SECRET = `whsec_${btoa('0123456789abcdef0123456789abcdef')}`;

describe('unknown option keys are refused, naming the key and the closest known one', () => {
  test('{ basePth } names basePth and suggests basePath', () => {
    const error = configErrorOf(() =>
      createMailWebhookHandler({ basePth: '/x' } as unknown as MailWebhookOptions),
    );
    expect(error.setting).toBe('basePth');
    expect(error.message).toContain('did you mean basePath?');
  });

  test('ses({ topicArn }) names ses.topicArn and suggests topicArns', () => {
    const error = configErrorOf(() =>
      ses({ topicArn: ['arn:aws:sns:us-east-1:123456789012:t'] } as unknown as Parameters<
        typeof ses
      >[0]),
    );
    expect(error.setting).toBe('ses.topicArn');
    expect(error.message).toContain('did you mean topicArns?');
  });

  test('a key nothing resembles is still refused', () => {
    const error = configErrorOf(() =>
      createMailWebhookHandler({ zzzzzzzzzzzz: 1 } as unknown as MailWebhookOptions),
    );
    expect(error.setting).toBe('zzzzzzzzzzzz');
    expect(error.message).toContain('unknown option');
    // With no close name, every known one is listed, so the right one is still named.
    expect(error.message).toContain(
      'known options: basePath, enabled, providers, sinks, store, apiToken, maxBodyBytes,',
    );
  });

  test('a far-off typo is answered with the known names, a short one is not matched at random', () => {
    const far = configErrorOf(() =>
      createMailWebhookHandler({ maxBodyLength: 5 } as unknown as MailWebhookOptions),
    );
    expect(far.message).not.toContain('did you mean');
    expect(far.message).toContain('maxBodyBytes');
    const short = configErrorOf(() =>
      createMailWebhookHandler({ foo: 1 } as unknown as MailWebhookOptions),
    );
    expect(short.message).not.toContain('did you mean now');
    expect(short.message).toContain('known options:');
    const provider = configErrorOf(() =>
      ses({ verify: false } as unknown as Parameters<typeof ses>[0]),
    );
    expect(provider.setting).toBe('ses.verify');
    expect(provider.message).toContain('verifySignature');
  });

  test('a provider missing its key says it is required, and how to run without one: verifySignature: false', () => {
    for (const [setting, factory] of [
      ['mailgun.signingKey', mailgun],
      ['mailersend.secret', mailersend],
      ['mailtrap.secret', mailtrap],
      ['postal.publicKey', postal],
      ['mandrill.webhookKey', mandrill],
      ['unisender-go.apiKey', unisenderGo],
    ] as const) {
      const error = configErrorOf(() => factory());
      expect(error.setting).toBe(setting);
      expect(error.message).toMatch(/is required: .*set verifySignature: false/);
    }
  });

  test("a provider factory given options that are not an object (false, 0, '') is refused naming it", () => {
    // `resend(process.env.X && { secret })` with X unset: not the same as no options.
    for (const value of [false, 0, '']) {
      for (const [name, factory] of [
        ['ses', ses],
        ['resend', resend],
        ['brevo', brevo],
      ] as const) {
        const error = configErrorOf(() => factory(value as never));
        expect(error.setting).toBe(name);
        expect(error.message).toContain('expected an options object');
      }
    }
  });

  test('options that are not an object are refused', () => {
    const error = configErrorOf(() =>
      createMailWebhookHandler(null as unknown as MailWebhookOptions),
    );
    expect(error.message).toContain('expected an options object');
  });
});

describe('the old top-level ses option', () => {
  test('{ ses: {...} } is a ConfigError that says providers: [ses({...})]', () => {
    const error = configErrorOf(() =>
      createMailWebhookHandler({
        ses: { topicArns: ['arn:aws:sns:us-east-1:123456789012:t'] },
      } as unknown as MailWebhookOptions),
    );
    expect(error.setting).toBe('ses');
    expect(error.message).toContain('providers: [ses({...})]');
  });
});

// Every entry that takes a program's options: the root and node createMailWebhookHandler, and
// the handleMailWebhook built on each.
const ENTRIES: [string, (options: MailWebhookOptions) => unknown][] = [
  ['createMailWebhookHandler', createMailWebhookHandler],
  ['handleMailWebhook', (o) => handleMailWebhook(new Request('http://x/'), o)],
  ['mailhooks/node createMailWebhookHandler', nodeCreateHandler],
  ['mailhooks/node handleMailWebhook', (o) => nodeHandle(new Request('http://x/'), o)],
];

/** What `entry` throws for `options`, or undefined. */
async function refusal(entry: (options: MailWebhookOptions) => unknown, options: object) {
  try {
    await entry(options as MailWebhookOptions);
  } catch (error) {
    return error;
  }
  return undefined;
}

test.each([
  ['handleMailWebhook', handleMailWebhook],
  ['mailhooks/node handleMailWebhook', nodeHandle],
])(
  '%s rejects its promise for bad options (a ConfigError), never throws before returning it',
  async (_, handle) => {
    let answer: Promise<Response> | undefined;
    expect(() => {
      answer = handle(new Request('http://x/'), { basePth: '/x' } as MailWebhookOptions);
    }).not.toThrow();
    await expect(answer).rejects.toMatchObject({ name: 'ConfigError', setting: 'basePth' });
    await expect(answer).rejects.toBeInstanceOf(ConfigError);
  },
);

describe.each(ENTRIES)("%s: the checks only a program's options can fail", (_, entry) => {
  test('the ses option and a top-level SES setting are refused, naming their new place', async () => {
    const gone = await refusal(entry, { ses: {}, basePth: '/x' });
    expect(gone).toBeInstanceOf(ConfigError);
    expect(gone).toMatchObject({
      setting: 'ses',
      detail: 'the ses option is gone: pass providers: [ses({...})] instead',
    });
    for (const key of ['topicArns', 'secret', 'autoConfirm', 'allowRawDelivery']) {
      // Named before any other check, an unknown key beside it too.
      expect(await refusal(entry, { [key]: true, basePth: '/x' })).toMatchObject({
        setting: key,
        detail: `is an SES setting now: pass providers: [ses({ ${key}: ... })] instead`,
      });
    }
  });

  test('apiToken without a store, or with a provider on a store route, is refused', async () => {
    const providers = [resend({ secret: RESEND_SECRET })];
    expect(await refusal(entry, { apiToken: 't', providers, logger: quiet() })).toMatchObject({
      setting: 'apiToken',
      detail: 'serves the store routes: pass a store as well',
    });
    const store = fakeStore().store;
    const onRoute = [resend({ path: 'events', secret: RESEND_SECRET })];
    expect(
      await refusal(entry, { apiToken: 't', store, providers: onRoute, logger: quiet() }),
    ).toMatchObject({
      setting: 'providers',
      detail: '"events" is reserved for the store\'s routes; give resend a path option',
    });
  });

  test('a clock giving milliseconds or text (now: Date.now) is refused, not a 500 on every signed request', async () => {
    const clocks = [Date.now, () => performance.now(), () => new Date().toISOString()];
    for (const now of clocks) {
      const refused = await refusal(entry, { now, logger: quiet() });
      expect(refused).toBeInstanceOf(ConfigError);
      expect(refused).toMatchObject({
        setting: 'now',
        detail:
          'expected a clock giving a Date, such as () => new Date(); Date.now gives milliseconds',
      });
    }
    // A clock read once at start-up: one not set yet, or one that throws, is left to run.
    // (A clock a test sets later gives undefined until then.)
    const unset = () => undefined as unknown as Date;
    const throwing = (): Date => {
      throw new Error('not set yet');
    };
    for (const now of [() => new Date(), unset, throwing]) {
      expect(await refusal(entry, { now, logger: quiet() })).toBeUndefined();
    }
  });

  test('a logger without its four methods is refused, naming logger, before the options after it', async () => {
    const detail = 'expected an object with debug, info, warn and error functions';
    const { error: _, ...noError } = quiet();
    for (const logger of [{}, noError, 'console', null]) {
      expect(await refusal(entry, { logger })).toMatchObject({ setting: 'logger', detail });
    }
    // The first bad option is named: the clock and the fetch come before the logger.
    expect(await refusal(entry, { logger: {}, now: 1 })).toMatchObject({ setting: 'now' });
    expect(await refusal(entry, { logger: {}, fetch: 1 })).toMatchObject({ setting: 'fetch' });
  });

  test('sinks: [] without a store says so once, before any provider starts', async () => {
    const log = memoryLogger();
    const options = { sinks: [], logger: log.logger, providers: [ses({ verifySignature: false })] };
    expect(await refusal(entry, options)).toBeUndefined();
    // (handleMailWebhook then answers its request: a 404, logged after.)
    expect(log.lines.slice(0, 2).map((line) => [line.level, line.msg])).toEqual([
      ['info', 'sinks is empty and no store is set: events are logged, then dropped'],
      [
        'warn',
        'SNS signature verification is OFF: anyone who can reach this endpoint can post events',
      ],
    ]);
  });
});

describe('provider paths', () => {
  test('two providers on one path: a ConfigError naming providers and the path', () => {
    const error = configErrorOf(() =>
      createMailWebhookHandler({ providers: [ses(), ses()], logger: quiet() }),
    );
    expect(error.setting).toBe('providers');
    expect(error.message).toContain('"ses"');
    expect(error.message).toContain('path');
  });

  test('a custom provider on a built-in path: a ConfigError', () => {
    const clash = defineProvider({ name: 'acme', path: 'ses', handle: () => ({ events: [] }) });
    const error = configErrorOf(() =>
      createMailWebhookHandler({ providers: [ses(), clash], logger: quiet() }),
    );
    expect(error.setting).toBe('providers');
  });

  test('one ESP mounted twice with path: both routes answer, each with its own secret', async () => {
    const handle = createMailWebhookHandler({
      providers: [
        resend({ secret: RESEND_SECRET }),
        resend({ path: 'resend-eu', secret: RESEND_SECRET }),
      ],
      logger: quiet(),
    });
    for (const path of ['resend', 'resend-eu']) {
      const response = await handle(
        new Request(`http://localhost/webhooks/mail/${path}`, { method: 'POST', body: '{}' }),
      );
      // Reached the provider (unsigned: refused by it), not the 404 of an unknown path.
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).not.toBe(404);
    }
  });

  test('resend twice without path: a ConfigError saying to give one a path', () => {
    const error = configErrorOf(() =>
      createMailWebhookHandler({
        providers: [resend({ secret: RESEND_SECRET }), resend({ secret: RESEND_SECRET })],
        logger: quiet(),
      }),
    );
    expect(error.setting).toBe('providers');
    expect(error.message).toContain('path');
  });

  test('a hand-made provider object with a path of two segments: a ConfigError', () => {
    const handMade = {
      name: 'acme',
      path: 'a/b',
      methods: ['POST'],
      start: () => ({ handle: () => ({ events: [] }) }),
    };
    const error = configErrorOf(() =>
      createMailWebhookHandler({ providers: [handMade], logger: quiet() }),
    );
    expect(error.setting).toBe('providers.0.path');
  });
});

describe('limits', () => {
  test.each(['bodyTimeoutMs', 'deliveryTimeoutMs', 'listenerTimeoutMs'])(
    '%s: 0 is a ConfigError naming it',
    (option) => {
      const error = configErrorOf(() =>
        createMailWebhookHandler({ [option]: 0, logger: quiet() } as MailWebhookOptions),
      );
      expect(error.setting).toBe(option);
    },
  );
});

describe('sinks: [] without a store', () => {
  const start = (logger: ReturnType<typeof memoryLogger>['logger']) =>
    createMailWebhookHandler({
      sinks: [],
      logger,
      providers: [resend({ secret: RESEND_SECRET })],
    });

  test('says once at start-up (info, not a warning) that events will be dropped', () => {
    const log = memoryLogger();
    start(log.logger);
    expect(log.lines.map((line) => [line.level, line.msg])).toEqual([
      ['info', 'sinks is empty and no store is set: events are logged, then dropped'],
    ]);
  });

  test('the default sinks (the event bus) start without that line', () => {
    const log = memoryLogger();
    createMailWebhookHandler({
      logger: log.logger,
      providers: [resend({ secret: RESEND_SECRET })],
    });
    expect(log.lines).toEqual([]);
  });
});

describe('allow-lists that would match no request', () => {
  test.each([
    ['ses.topicArns', () => ses({ topicArns: [] })],
    ['ses.topicArns', () => ses({ topicArns: [], secret: 'pw' })],
    ['scaleway.topicArns', () => scaleway({ topicArns: [], verifySignature: false })],
    ['ses-eventbridge.accounts', () => sesEventBridge({ password: 'pw', accounts: [] })],
  ])('an empty list is a ConfigError naming %s', (setting, build) => {
    const error = configErrorOf(build);
    expect(error.setting).toBe(setting);
    expect(error.detail).toMatch(/at least one/);
  });
});

describe('topic ARNs that no verified message could carry', () => {
  test.each([
    'arn:',
    'arn:aws:s3:::ses-events',
    'arn:aws:sns:us-east-1:123456789012:ses-events\n',
    'arn:aws:sns:us-east-1:123456789012:ses-events ',
    'arn:aws:sns:us-east-1:ses-events',
    ' arn:aws:sns:us-east-1:123456789012:ses-events',
  ])('ses topicArns %j is a ConfigError naming ses.topicArns', (arn) => {
    expect(configErrorOf(() => ses({ topicArns: [arn] })).setting).toBe('ses.topicArns');
  });

  test('SNS topic ARNs of every partition, FIFO topics included, are accepted', () => {
    for (const arn of [
      'arn:aws:sns:us-east-1:123456789012:ses-events',
      'arn:aws-cn:sns:cn-north-1:123456789012:ses_events',
      'arn:aws-us-gov:sns:us-gov-west-1:123456789012:ses-events.fifo',
      // A made-up topic for a trial with verification off.
      'arn:aws:sns:us-east-1:1:t',
    ]) {
      expect(() => ses({ topicArns: [arn] })).not.toThrow();
    }
  });

  test.each(['arn:scw:sns:', 'arn:scw:sns:fr-par:project-1:tem\n', 'arn:scw:sns:fr-par:tem'])(
    'scaleway topicArns %j is a ConfigError naming scaleway.topicArns',
    (arn) => {
      const build = () => scaleway({ topicArns: [arn], verifySignature: false });
      expect(configErrorOf(build).setting).toBe('scaleway.topicArns');
    },
  );
});

describe('readonly lists', () => {
  test('providers and sinks written `as const` are accepted (and type-check) and deliver events', async () => {
    const { EventBus, EmailTrackingEvent } = await import('../../src/index.js');
    const { envelope, snsRequest } = await import('../helpers/envelope.js');
    const bounce = (await import('../fixtures/ses/notification-bounce-no-dsn.json')).default;
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribe(EmailTrackingEvent, (context, next) => {
      seen.push(`${context.eventType} ${context.recipient}`);
      return next(context);
    });
    const providers = [ses({ allowAnyTopic: true, verifySignature: false })] as const;
    const sinks = [bus] as const;
    const handle = createMailWebhookHandler({ providers, sinks, logger: quiet() });
    const response = await handle(snsRequest(envelope(bounce)));
    expect(await response.json()).toMatchObject({ ok: true });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]).toMatch(/^bounced /);
  });
});

describe('basePath', () => {
  test.each(['/webhooks/./mail', '/webhooks/../mail', '/.', '/..', 'webhooks/mail'])(
    '%j, under which no request could be routed, is a ConfigError naming basePath',
    (basePath) => {
      expect(
        configErrorOf(() => createMailWebhookHandler({ basePath, logger: quiet() })).setting,
      ).toBe('basePath');
    },
  );

  test.each(['/', '/hooks/', '/a.b/~c_d-e', '/.well-known/mail', '/v1..2'])(
    '%j is taken and routes POST {basePath}/ses',
    async (basePath) => {
      const handle = createMailWebhookHandler({
        basePath,
        providers: [ses({ verifySignature: false })],
        logger: quiet(),
        sinks: [],
      });
      const url = `https://hooks.example${basePath.replace(/\/$/, '')}/ses`;
      const response = await handle(new Request(url, { method: 'POST', body: '{' }));
      expect(response.status).toBe(400);
    },
  );
});
