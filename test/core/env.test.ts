/** Settings from variables: a typo is reported with the closest name, a bad value stops start-up naming it. */
import { describe, expect, test } from 'vitest';
import { _settings } from '../../src/adapters/_server.js';
import { serve } from '../../src/adapters/node.js';
import {
  createHandlerFromEnv,
  createRuntimeFromEnv,
  type Env,
  optionsFromEnv,
  providersFromEnv,
  providerVariable,
  sinksFromEnv,
  unknownVariables,
} from '../../src/env/index.js';
import { ConfigError } from '../../src/errors.js';
import { configErrorOf } from '../helpers/config-error.js';
import { memoryLogger } from '../helpers/envelope.js';

const BASE: Env = { MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_SES_ALLOW_ANY_TOPIC: 'true' };

/** Starts a runtime from `env` with a capturing logger; returns the warn lines. */
function start(env: Env) {
  const { logger, lines } = memoryLogger();
  const runtime = createRuntimeFromEnv({ ...BASE, ...env }, { logger });
  return { runtime, warnings: lines.filter((l) => l.level === 'warn') };
}

describe('unknown MAIL_WEBHOOK_* variables', () => {
  test('MAIL_WEBHOOK_SES_SECRT is reported once, naming it and MAIL_WEBHOOK_SES_SECRET', () => {
    const { warnings } = start({ MAIL_WEBHOOK_SES_SECRT: 'abc' });
    const reports = warnings.filter((l) => l.fields.variable === 'MAIL_WEBHOOK_SES_SECRT');
    expect(reports).toHaveLength(1);
    expect(reports[0]?.fields.didYouMean).toBe('MAIL_WEBHOOK_SES_SECRET');
    expect(reports[0]?.msg).toContain('MAIL_WEBHOOK_SES_SECRT');
    expect(reports[0]?.msg).toContain('MAIL_WEBHOOK_SES_SECRET');
  });

  test('the value of an unknown variable is never logged', () => {
    const { warnings } = start({ MAIL_WEBHOOK_SES_SECRT: 'hunter2-value' });
    expect(JSON.stringify(warnings)).not.toContain('hunter2-value');
  });

  test('a variable a fan-out endpoint names as env:NAME is not reported', () => {
    const env: Env = {
      MAIL_WEBHOOK_SINKS: 'fanout',
      MAIL_WEBHOOK_FANOUT_ENDPOINTS: JSON.stringify([
        { url: 'https://crm.example.com/hooks', secret: 'env:MAIL_WEBHOOK_FANOUT_SECRET_CRM' },
      ]),
      MAIL_WEBHOOK_FANOUT_SECRET_CRM: `whsec_${btoa('0123456789abcdef0123456789abcdef')}`,
    };
    expect(unknownVariables(env)).toEqual([]);
    const { warnings } = start(env);
    expect(warnings.filter((l) => l.fields.variable !== undefined)).toEqual([]);
  });

  test('a fan-out secret left in .dev.vars with no fan-out is reported without a far-fetched guess', () => {
    // The queue walkthrough's keys, read by the store Worker or `npm start`, which have no fan-out:
    // the MAIL_WEBHOOK_ prefix alone made MAIL_WEBHOOK_FANOUT_RETRIES look close.
    const key = `whsec_${btoa('0123456789abcdef0123456789abcdef')}`;
    const { warnings } = start({
      MAIL_WEBHOOK_FANOUT_SECRET_CRM: key,
      MAIL_WEBHOOK_FANOUT_SECRET_ALERTS: key,
    });
    expect(warnings.map((l) => [l.msg, l.fields.didYouMean])).toEqual([
      ['unknown variable MAIL_WEBHOOK_FANOUT_SECRET_CRM: no setting reads it', undefined],
      ['unknown variable MAIL_WEBHOOK_FANOUT_SECRET_ALERTS: no setting reads it', undefined],
    ]);
    // A typo of a setting is still matched after the prefix.
    expect(unknownVariables({ MAIL_WEBHOOK_FANOUT_ENDPOINT: '[]' })).toEqual([
      { name: 'MAIL_WEBHOOK_FANOUT_ENDPOINT', closest: 'MAIL_WEBHOOK_FANOUT_ENDPOINTS' },
    ]);
  });

  test('a MAIL_WEBHOOKS_ (plural) prefix is reported with the variable it meant', () => {
    // An allow-list under the plural prefix would otherwise be dropped without a word: any account.
    const { warnings } = start({
      MAIL_WEBHOOK_PROVIDERS: 'ses,ses-eventbridge',
      MAIL_WEBHOOK_SES_EVENTBRIDGE_TOKEN: 'tok',
      MAIL_WEBHOOKS_SES_EVENTBRIDGE_ACCOUNTS: '123456789012',
      MAIL_WEBHOOKS_MAX_BODY_BYTES: '2048',
    });
    expect(warnings.map((l) => [l.msg, l.fields.didYouMean])).toEqual([
      [
        'unknown variable MAIL_WEBHOOKS_SES_EVENTBRIDGE_ACCOUNTS: no setting reads it; did you mean MAIL_WEBHOOK_SES_EVENTBRIDGE_ACCOUNTS?',
        'MAIL_WEBHOOK_SES_EVENTBRIDGE_ACCOUNTS',
      ],
      [
        'unknown variable MAIL_WEBHOOKS_MAX_BODY_BYTES: no setting reads it; did you mean MAIL_WEBHOOK_MAX_BODY_BYTES?',
        'MAIL_WEBHOOK_MAX_BODY_BYTES',
      ],
    ]);
  });

  test("MAIL_WEBHOOK_PORT and MAIL_WEBHOOK_HOST point at the servers' PORT and HOST", () => {
    expect(unknownVariables({ MAIL_WEBHOOK_PORT: '8080', MAIL_WEBHOOK_HOST: '::' })).toEqual([
      { name: 'MAIL_WEBHOOK_PORT', closest: 'PORT' },
      { name: 'MAIL_WEBHOOK_HOST', closest: 'HOST' },
    ]);
  });

  test("a provider's setting with the provider left out of MAIL_WEBHOOK_PROVIDERS is reported, naming it", () => {
    const env: Env = {
      MAIL_WEBHOOK_ENABLED: 'true',
      MAIL_WEBHOOK_SES_TOPIC_ARNS: 'arn:aws:sns:us-east-1:123456789012:t',
      MAIL_WEBHOOK_RESEND_SECRET: `whsec_${btoa('0123456789abcdef0123456789abcdef')}`,
    };
    expect(unknownVariables(env)).toEqual([
      { name: 'MAIL_WEBHOOK_RESEND_SECRET', closest: undefined, unlistedProvider: 'resend' },
    ]);
    const { warnings } = start(env);
    const line = warnings.find((l) => l.fields.variable === 'MAIL_WEBHOOK_RESEND_SECRET');
    expect(line?.msg).toContain('resend is not in MAIL_WEBHOOK_PROVIDERS');
    expect(line?.fields.provider).toBe('resend');
    // Listed, it is read and not reported.
    expect(unknownVariables({ ...env, MAIL_WEBHOOK_PROVIDERS: 'ses,resend' })).toEqual([]);
  });

  test("a provider's setting is reported once: as unlisted, not also as unknown", () => {
    const { warnings } = start({
      MAIL_WEBHOOK_RESEND_SECRET: `whsec_${btoa('0123456789abcdef0123456789abcdef')}`,
    });
    expect(warnings.filter((l) => l.fields.variable !== undefined).map((l) => l.msg)).toEqual([
      'variable MAIL_WEBHOOK_RESEND_SECRET is set, but resend is not in MAIL_WEBHOOK_PROVIDERS',
    ]);
  });

  test('a provider listed with spaces around its name (ses, resend) has its settings read, not called unlisted', () => {
    const env: Env = {
      MAIL_WEBHOOK_PROVIDERS: 'ses , Resend ',
      MAIL_WEBHOOK_RESEND_SECRET: `whsec_${btoa('0123456789abcdef0123456789abcdef')}`,
    };
    expect(unknownVariables(env)).toEqual([]);
    expect(start(env).warnings.filter((l) => l.fields.variable !== undefined)).toEqual([]);
  });

  test('MAIL_WEBHOOK_PROVIDERS set empty serves ses, so the SES settings are not called unlisted', () => {
    const env: Env = {
      MAIL_WEBHOOK_PROVIDERS: '',
      MAIL_WEBHOOK_SES_TOPIC_ARNS: 'arn:aws:sns:us-east-1:123456789012:t',
    };
    expect(unknownVariables(env)).toEqual([]);
    expect(start(env).warnings.filter((l) => l.fields.variable !== undefined)).toEqual([]);
  });

  test("a misspelt setting of a provider left out of the list is pointed at that provider's variable", () => {
    // Not at a listed provider's setting that happens to be as close (MAIL_WEBHOOK_SES_SECRET).
    expect(unknownVariables({ MAIL_WEBHOOK_RESEND_SECRETT: 'x' })).toEqual([
      { name: 'MAIL_WEBHOOK_RESEND_SECRETT', closest: 'MAIL_WEBHOOK_RESEND_SECRET' },
    ]);
    const { warnings } = start({ MAIL_WEBHOOK_RESEND_SECRETT: 'x' });
    expect(warnings.find((l) => l.fields.variable === 'MAIL_WEBHOOK_RESEND_SECRETT')?.msg).toBe(
      'unknown variable MAIL_WEBHOOK_RESEND_SECRETT: no setting reads it; did you mean MAIL_WEBHOOK_RESEND_SECRET?',
    );
  });

  test('known variables, rotation ones included, are not reported', () => {
    expect(
      unknownVariables({
        MAIL_WEBHOOK_SES_SECRET: 'a',
        MAIL_WEBHOOK_SES_SECRET_PREVIOUS: 'b',
        MAIL_WEBHOOK_SES_TOPIC_ARNS: 'arn:aws:sns:us-east-1:123456789012:t',
        MAIL_WEBHOOK_BODY_TIMEOUT_MS: '1000',
        MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS: '1000',
        MAIL_WEBHOOK_LISTENER_TIMEOUT_MS: '1000',
        OTHER_APP_SETTING: 'x',
      }),
    ).toEqual([]);
  });
});

describe('variable names', () => {
  test('a setting is its provider and option in upper snake case, a digit before a capital too', () => {
    expect(providerVariable('ses', 'topicArns')).toBe('MAIL_WEBHOOK_SES_TOPIC_ARNS');
    expect(providerVariable('unisender-go', 'apiKey')).toBe('MAIL_WEBHOOK_UNISENDER_GO_API_KEY');
    // A registry entry of one's own may name an option so.
    expect(providerVariable('acme-mail', 'sha256Key')).toBe('MAIL_WEBHOOK_ACME_MAIL_SHA256_KEY');
  });
});

describe('bad values stop start-up naming the variable', () => {
  test('MAIL_WEBHOOK_PROVIDERS=sess names the variable and suggests ses', () => {
    const error = configErrorOf(() => optionsFromEnv({ MAIL_WEBHOOK_PROVIDERS: 'sess' }));
    expect(error.setting).toBe('MAIL_WEBHOOK_PROVIDERS');
    expect(error.message).toContain('did you mean ses?');
  });

  test('MAIL_WEBHOOK_PROVIDERS listing one provider twice names the variable', () => {
    const error = configErrorOf(() => optionsFromEnv({ MAIL_WEBHOOK_PROVIDERS: 'ses, ses' }));
    expect(error.setting).toBe('MAIL_WEBHOOK_PROVIDERS');
  });

  test('a _PATH that is a dot-segment names the variable, not providers.0.path', () => {
    const error = configErrorOf(() => optionsFromEnv({ MAIL_WEBHOOK_SES_PATH: '..' }));
    expect(error.setting).toBe('MAIL_WEBHOOK_SES_PATH');
  });

  describe('two providers on one path name the _PATH variable that put one there', () => {
    const both = {
      MAIL_WEBHOOK_PROVIDERS: 'ses,resend',
      MAIL_WEBHOOK_RESEND_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    };
    test.each([
      [{ MAIL_WEBHOOK_RESEND_PATH: 'ses' }, 'MAIL_WEBHOOK_RESEND_PATH', 'ses'],
      [{ MAIL_WEBHOOK_SES_PATH: 'resend' }, 'MAIL_WEBHOOK_SES_PATH', 'resend'],
      [
        { MAIL_WEBHOOK_SES_PATH: 'mail', MAIL_WEBHOOK_RESEND_PATH: 'mail' },
        'MAIL_WEBHOOK_RESEND_PATH',
        'mail',
      ],
    ])('%o names %s', (paths, variable, path) => {
      const error = configErrorOf(() => optionsFromEnv({ ...both, ...paths }));
      expect(error.setting).toBe(variable);
      expect(error.message).toBe(`${variable}: ses and resend are both mounted at "${path}"`);
    });
  });

  test('MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS=abc names the variable', () => {
    const error = configErrorOf(() => start({ MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS: 'abc' }));
    expect(error.setting).toBe('MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS');
    expect(error.message).toContain('"abc"');
  });

  test.each([
    'MAIL_WEBHOOK_BODY_TIMEOUT_MS',
    'MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS',
    'MAIL_WEBHOOK_LISTENER_TIMEOUT_MS',
  ])('%s=0 names the variable, not the option', (variable) => {
    expect(configErrorOf(() => start({ [variable]: '0' })).setting).toBe(variable);
    expect(configErrorOf(() => optionsFromEnv({ [variable]: '0' })).setting).toBe(variable);
  });

  test('MAIL_WEBHOOK_MAX_BODY_BYTES=0 names the variable and says the least it takes', () => {
    const error = configErrorOf(() => start({ MAIL_WEBHOOK_MAX_BODY_BYTES: '0' }));
    expect(error.setting).toBe('MAIL_WEBHOOK_MAX_BODY_BYTES');
    expect(error.detail).toBe('expected at least 1, got 0');
  });

  test('the timeouts are read into their options', () => {
    expect(
      optionsFromEnv({
        MAIL_WEBHOOK_BODY_TIMEOUT_MS: '1500',
        MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS: '2500',
        MAIL_WEBHOOK_LISTENER_TIMEOUT_MS: '3500',
      }),
    ).toMatchObject({ bodyTimeoutMs: 1500, deliveryTimeoutMs: 2500, listenerTimeoutMs: 3500 });
  });

  test.each([
    ['ses-eventbridge', 'MAIL_WEBHOOK_SES_EVENTBRIDGE_ACCOUNTS', ' '],
    ['ses-eventbridge', 'MAIL_WEBHOOK_SES_EVENTBRIDGE_ACCOUNTS', ','],
    ['ses', 'MAIL_WEBHOOK_SES_TOPIC_ARNS', ' , '],
    ['scaleway', 'MAIL_WEBHOOK_SCALEWAY_TOPIC_ARNS', '\n'],
  ])(
    '%s: a list variable set to no item (%s=%j) names it, not read as unset',
    (provider, variable, value) => {
      const env = {
        MAIL_WEBHOOK_PROVIDERS: provider,
        MAIL_WEBHOOK_SES_EVENTBRIDGE_PASSWORD: 'pw',
        MAIL_WEBHOOK_SCALEWAY_VERIFY_SIGNATURE: 'false',
        [variable]: value,
      };
      const error = configErrorOf(() => optionsFromEnv(env));
      expect(error.setting).toBe(variable);
      expect(error.detail).toMatch(/at least one/);
    },
  );

  test('MAIL_WEBHOOK_PROVIDERS skips empty items (ses,,resend,); only commas says what it expects', () => {
    const env: Env = {
      MAIL_WEBHOOK_PROVIDERS: 'ses,,resend,',
      MAIL_WEBHOOK_RESEND_SECRET: `whsec_${btoa('0123456789abcdef0123456789abcdef')}`,
    };
    expect(providersFromEnv(env).map((p) => p.name)).toEqual(['ses', 'resend']);
    expect(configErrorOf(() => optionsFromEnv({ MAIL_WEBHOOK_PROVIDERS: ' , ' })).message).toBe(
      'MAIL_WEBHOOK_PROVIDERS: expected a comma list of providers, such as ses,resend',
    );
  });

  test("a registry entry's error about an option no variable sets keeps the option's name", () => {
    // Not MAIL_WEBHOOK_ACME_REGION: no variable of that name is read.
    const acme = {
      name: 'acme',
      settings: { secret: 'secret' },
      create: () => {
        throw new ConfigError('acme.region', 'is required');
      },
    } as const;
    const error = configErrorOf(() => optionsFromEnv({ MAIL_WEBHOOK_PROVIDERS: 'acme' }, [acme]));
    expect(error.setting).toBe('acme.region');
  });

  test('empty items of a list variable are skipped', () => {
    const env = {
      MAIL_WEBHOOK_PROVIDERS: 'ses-eventbridge',
      MAIL_WEBHOOK_SES_EVENTBRIDGE_PASSWORD: 'pw',
      MAIL_WEBHOOK_SES_EVENTBRIDGE_ACCOUNTS: '111111111111,,123456789012,',
    };
    expect(() => optionsFromEnv(env)).not.toThrow();
  });
});

describe('wrangler.toml vars written unquoted', () => {
  test('numbers and booleans are read as their text', () => {
    expect(
      optionsFromEnv({
        MAIL_WEBHOOK_ENABLED: true,
        MAIL_WEBHOOK_MAX_BODY_BYTES: 2048,
        MAIL_WEBHOOK_BODY_TIMEOUT_MS: 1500,
        MAIL_WEBHOOK_SES_ALLOW_ANY_TOPIC: true,
      }),
    ).toMatchObject({ enabled: true, maxBodyBytes: 2048, bodyTimeoutMs: 1500 });
    expect(optionsFromEnv({ MAIL_WEBHOOK_ENABLED: false })).toMatchObject({ enabled: false });
  });

  test('a number that is not a whole one, or an object, still names the variable', () => {
    const fraction = configErrorOf(() => start({ MAIL_WEBHOOK_MAX_BODY_BYTES: 1.5 }));
    expect(fraction.setting).toBe('MAIL_WEBHOOK_MAX_BODY_BYTES');
    expect(fraction.message).toContain('"1.5"');
    const object = configErrorOf(() => start({ MAIL_WEBHOOK_ENABLED: { on: true } }));
    expect(object.setting).toBe('MAIL_WEBHOOK_ENABLED');
    expect(object.message).toContain('expected a string');
  });
});

describe('values written by hand', () => {
  test('a number is read with the spaces around it trimmed, a boolean in any case', () => {
    expect(
      optionsFromEnv({ MAIL_WEBHOOK_ENABLED: 'TRUE', MAIL_WEBHOOK_BODY_TIMEOUT_MS: ' 1500 ' }),
    ).toMatchObject({ enabled: true, bodyTimeoutMs: 1500 });
    expect(optionsFromEnv({ MAIL_WEBHOOK_ENABLED: 'Off' })).toMatchObject({ enabled: false });
  });

  test('a boolean is read with the blanks around it trimmed (a CRLF .env line ends in \\r)', () => {
    expect(optionsFromEnv({ MAIL_WEBHOOK_ENABLED: ' true\r' })).toMatchObject({ enabled: true });
    expect(optionsFromEnv({ MAIL_WEBHOOK_ENABLED: 'on ' })).toMatchObject({ enabled: true });
  });

  test('null is unset, as an empty value is', () => {
    const options = optionsFromEnv({
      MAIL_WEBHOOK_ENABLED: null,
      MAIL_WEBHOOK_MAX_BODY_BYTES: null,
    });
    expect(options.enabled).toBe(false);
    expect(options.maxBodyBytes).toBeUndefined();
  });

  test('a whole number of 15 digits is read exactly; one of 16 (past exact integers) names the variable', () => {
    expect(optionsFromEnv({ MAIL_WEBHOOK_MAX_BODY_BYTES: '999999999999999' })).toMatchObject({
      maxBodyBytes: 999_999_999_999_999,
    });
    const error = configErrorOf(() =>
      optionsFromEnv({ MAIL_WEBHOOK_MAX_BODY_BYTES: '9999999999999999' }),
    );
    expect(error.setting).toBe('MAIL_WEBHOOK_MAX_BODY_BYTES');
    expect(error.message).toContain('expected a whole number, got "9999999999999999"');
  });
});

describe('a bad rotation value names the variable that holds it', () => {
  const RESEND = { MAIL_WEBHOOK_PROVIDERS: 'resend' };
  const GOOD = `whsec_${btoa('0123456789abcdef0123456789abcdef')}`;

  test.each([
    [
      'only _PREVIOUS is bad',
      {
        MAIL_WEBHOOK_RESEND_SECRET: GOOD,
        MAIL_WEBHOOK_RESEND_SECRET_PREVIOUS: 'whsec_!!not-base64!!',
      },
      'MAIL_WEBHOOK_RESEND_SECRET_PREVIOUS',
    ],
    [
      'only the current one is bad',
      {
        MAIL_WEBHOOK_RESEND_SECRET: 'whsec_!!not-base64!!',
        MAIL_WEBHOOK_RESEND_SECRET_PREVIOUS: GOOD,
      },
      'MAIL_WEBHOOK_RESEND_SECRET',
    ],
    [
      'both are bad',
      {
        MAIL_WEBHOOK_RESEND_SECRET: 'whsec_!!not-base64!!',
        MAIL_WEBHOOK_RESEND_SECRET_PREVIOUS: 'whsec_!!not-base64!!',
      },
      'MAIL_WEBHOOK_RESEND_SECRET',
    ],
    [
      // _PREVIOUS is the second value of a rotation: alone, the required secret itself is missing.
      '_PREVIOUS alone is set (and bad)',
      { MAIL_WEBHOOK_RESEND_SECRET_PREVIOUS: 'whsec_!!not-base64!!' },
      'MAIL_WEBHOOK_RESEND_SECRET',
    ],
  ])('%s', (_, env, variable) => {
    const error = configErrorOf(() => start({ ...RESEND, ...env }));
    expect(error.setting).toBe(variable);
    expect(error.message).not.toContain('whsec_!!not-base64!!');
  });

  test('a bad _PREVIOUS is named even when another setting is bad too', () => {
    const error = configErrorOf(() =>
      start({
        MAIL_WEBHOOK_PROVIDERS: 'ses-eventbridge',
        MAIL_WEBHOOK_SES_EVENTBRIDGE_TOKEN: 'good-token',
        MAIL_WEBHOOK_SES_EVENTBRIDGE_TOKEN_PREVIOUS: 'bad token',
        MAIL_WEBHOOK_SES_EVENTBRIDGE_ACCOUNTS: '12345',
      }),
    );
    expect(error.setting).toBe('MAIL_WEBHOOK_SES_EVENTBRIDGE_TOKEN_PREVIOUS');
  });

  test('a missing required secret still names the variable', () => {
    const error = configErrorOf(() => start(RESEND));
    expect(error.setting).toBe('MAIL_WEBHOOK_RESEND_SECRET');
  });
});

describe('PORT (the packaged servers)', () => {
  /** The port a server would listen on for `env`, its start-up lines kept out of the console. */
  const portFor = (env: Env) =>
    _settings({}, { ...BASE, ...env }, undefined, memoryLogger().logger).port;

  test('unset or empty: 8787', () => {
    expect(portFor({})).toBe(8787);
    expect(portFor({ PORT: '' })).toBe(8787);
  });

  test('given as text or as a number, it is the port; blanks around it (a .env line) are not part of it', () => {
    expect(portFor({ PORT: '9450' })).toBe(9450);
    expect(portFor({ PORT: ' 9454\n' })).toBe(9454);
    expect(portFor({ PORT: 9451 })).toBe(9451);
  });

  test('not a port: a ConfigError naming PORT', () => {
    expect(configErrorOf(() => portFor({ PORT: 'eighty' })).setting).toBe('PORT');
    const tooHigh = configErrorOf(() => portFor({ PORT: '70000' }));
    expect([tooHigh.setting, tooHigh.detail]).toEqual([
      'PORT',
      'expected a port number (0-65535), got "70000"',
    ]);
    expect(configErrorOf(() => portFor({ PORT: '65536' })).setting).toBe('PORT');
    expect(configErrorOf(() => portFor({ PORT: '80abc' })).setting).toBe('PORT');
    expect(portFor({ PORT: '65535' })).toBe(65535);
  });

  test('the port and hostname options win over PORT and HOST', () => {
    const settings = _settings(
      { port: 9452, hostname: '127.0.0.1' },
      { ...BASE, PORT: '9453', HOST: '0.0.0.0' },
      undefined,
      memoryLogger().logger,
    );
    expect([settings.port, settings.hostname]).toEqual([9452, '127.0.0.1']);
  });

  test('HOST written as a URL writes an IPv6 address, [::1], is that address', () => {
    expect(
      _settings({}, { ...BASE, HOST: '[::1]' }, undefined, memoryLogger().logger).hostname,
    ).toBe('::1');
  });
});

describe('Worker-only variables on the packaged servers', () => {
  test('a set queue or dead-letter variable is warned about; an empty one (unset in .env) is not', () => {
    const { logger, lines } = memoryLogger();
    _settings(
      {},
      {
        ...BASE,
        MAIL_WEBHOOK_QUEUE: '',
        MAIL_WEBHOOK_DLQ_REPLAY: 'true',
        MAIL_WEBHOOK_DLQ_NAME: '',
      },
      undefined,
      logger,
    );
    expect(lines.filter((l) => l.msg.includes('read only by the Cloudflare Worker'))).toEqual([
      {
        level: 'warn',
        msg: 'variable MAIL_WEBHOOK_DLQ_REPLAY is read only by the Cloudflare Worker (queues); this server ignores it',
        fields: { variable: 'MAIL_WEBHOOK_DLQ_REPLAY' },
      },
    ]);
  });

  test('dead-letter replay without fanout is said once, as ignored, not also as missing its fan-out (the Worker says that)', () => {
    const { logger, lines } = memoryLogger();
    _settings({}, { ...BASE, MAIL_WEBHOOK_DLQ_REPLAY: 'true' }, undefined, logger);
    expect(lines.filter((l) => l.fields.variable === 'MAIL_WEBHOOK_DLQ_REPLAY')).toEqual([
      {
        level: 'warn',
        msg: 'variable MAIL_WEBHOOK_DLQ_REPLAY is read only by the Cloudflare Worker (queues); this server ignores it',
        fields: { variable: 'MAIL_WEBHOOK_DLQ_REPLAY' },
      },
    ]);
  });
});

describe('misspelt options of the servers and of the environment readers', () => {
  const silent = memoryLogger().logger;

  test('serve({ hostName }) stops start-up naming it and hostname, instead of listening on every interface', () => {
    const error = configErrorOf(() =>
      serve({ hostName: '127.0.0.1', port: 0, env: BASE } as never),
    );
    expect(error.message).toBe('hostName: unknown option; did you mean hostname?');
  });

  test('every server (Node, Deno, Bun) refuses a misspelt gracefulShutdown or port', () => {
    expect(configErrorOf(() => _settings({ graceful: false } as never, BASE)).message).toBe(
      'graceful: unknown option; did you mean gracefulShutdown?',
    );
    expect(configErrorOf(() => _settings({ ports: 9454 } as never, BASE)).message).toBe(
      'ports: unknown option; did you mean port?',
    );
  });

  test('createHandlerFromEnv and createRuntimeFromEnv refuse a misspelt registry or logger', () => {
    expect(
      configErrorOf(() => createHandlerFromEnv(BASE, { registy: [], logger: silent } as never))
        .message,
    ).toBe('registy: unknown option; did you mean registry?');
    expect(
      configErrorOf(() => createRuntimeFromEnv(BASE, { loger: silent } as never)).message,
    ).toBe('loger: unknown option; did you mean logger?');
  });

  test('sinksFromEnv refuses a misspelt queue or logger, instead of reading the binding or crashing', () => {
    const queue = { sendBatch: async () => {} };
    const env = { MAIL_WEBHOOK_SINKS: 'queue' };
    expect(
      configErrorOf(() => sinksFromEnv(env, { fetch, logger: silent, queu: queue } as never))
        .message,
    ).toBe('queu: unknown option; did you mean queue?');
    expect(configErrorOf(() => sinksFromEnv({}, { fetch, loger: silent } as never)).message).toBe(
      'loger: unknown option; did you mean logger?',
    );
    const { requestSinks } = sinksFromEnv(env, { fetch, logger: silent, queue });
    expect(requestSinks.map((sink) => sink.name)).toEqual(['queue']);
  });
});
