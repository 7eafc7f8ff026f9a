import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { createHandlerFromEnv } from '../../src/from-env.js';
import { silentLogger } from '../../src/log.js';
import { sinksFromEnv } from '../../src/sinks/env.js';
import { EventBus } from '../../src/sinks/memory.js';
import sesBounce from '../fixtures/ses/event-publishing-bounce.json' with { type: 'json' };
import { memoryLogger } from '../helpers/envelope.js';
import { snsRequest } from './samples.js';

const SECRET = `whsec_${btoa('an-env-secret-key-of-32-bytes!!!')}`;
const context = { fetch: globalThis.fetch, logger: silentLogger };
const queue = { sendBatch: async () => {} };
const endpoints = (list: unknown) => JSON.stringify(list);
const fanoutEnv = {
  MAIL_WEBHOOK_FANOUT_ENDPOINTS: endpoints([
    { url: 'https://a.example/hook', secret: 'env:SECRET_A' },
    { url: 'https://b.example/hook', secret: 'env:SECRET_B', events: ['bounced'] },
  ]),
  SECRET_A: SECRET,
  SECRET_B: SECRET,
};

const names = (env: Record<string, unknown>) => {
  const { requestSinks, consumerSinks } = sinksFromEnv(env, context);
  return { request: requestSinks.map((s) => s.name), consumer: consumerSinks.map((s) => s.name) };
};

function settingOf(env: Record<string, unknown>): string | undefined {
  try {
    sinksFromEnv(env, context);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).setting;
  }
  return undefined;
}

describe('sinksFromEnv', () => {
  test.each([
    ['unset', {}],
    ['empty', { MAIL_WEBHOOK_SINKS: '' }],
  ])('defaults to the in-memory bus (%s)', (_name, env) => {
    const { requestSinks, consumerSinks } = sinksFromEnv(env, context);
    expect(requestSinks).toEqual([EventBus.default]);
    expect(consumerSinks).toEqual([]);
  });

  test('runs the fan-out on the request path without a queue, and gives it to the consumer too (what a queue still holds)', () => {
    expect(names({ MAIL_WEBHOOK_SINKS: 'memory, fanout', ...fanoutEnv })).toEqual({
      request: ['memory', 'fanout'],
      consumer: ['fanout'],
    });
  });

  test('skips empty items of the list (memory,,fanout,), as every list variable does', () => {
    expect(names({ MAIL_WEBHOOK_SINKS: 'memory,,fanout,', ...fanoutEnv })).toEqual({
      request: ['memory', 'fanout'],
      consumer: ['fanout'],
    });
  });

  test('with a queue, requests only enqueue and the consumer runs the fan-out', () => {
    const env = { MAIL_WEBHOOK_SINKS: 'queue,fanout', MAIL_WEBHOOK_QUEUE: queue, ...fanoutEnv };
    expect(names(env)).toEqual({ request: ['queue'], consumer: ['fanout'] });
  });

  test('reads sink names in any case, as MAIL_WEBHOOK_PROVIDERS does', () => {
    const env = { MAIL_WEBHOOK_SINKS: 'Queue, FANOUT', MAIL_WEBHOOK_QUEUE: queue, ...fanoutEnv };
    expect(names(env)).toEqual({ request: ['queue'], consumer: ['fanout'] });
  });

  test('takes a queue from the context as well as from the binding', () => {
    const { requestSinks } = sinksFromEnv({ MAIL_WEBHOOK_SINKS: 'queue' }, { ...context, queue });
    expect(requestSinks.map((s) => s.name)).toEqual(['queue']);
  });

  test.each([
    ['an unknown sink', 'MAIL_WEBHOOK_SINKS', { MAIL_WEBHOOK_SINKS: 'memory,kafka' }],
    ['only commas and spaces', 'MAIL_WEBHOOK_SINKS', { MAIL_WEBHOOK_SINKS: ' , ,' }],
    [
      'queue without a binding (any runtime but Workers)',
      'MAIL_WEBHOOK_SINKS',
      { MAIL_WEBHOOK_SINKS: 'queue' },
    ],
    [
      'queue whose binding is a plain string',
      'MAIL_WEBHOOK_SINKS',
      { MAIL_WEBHOOK_SINKS: 'queue', MAIL_WEBHOOK_QUEUE: 'q' },
    ],
    ['fanout without endpoints', 'MAIL_WEBHOOK_FANOUT_ENDPOINTS', { MAIL_WEBHOOK_SINKS: 'fanout' }],
    [
      'endpoints that are not JSON',
      'MAIL_WEBHOOK_FANOUT_ENDPOINTS',
      { MAIL_WEBHOOK_SINKS: 'fanout', MAIL_WEBHOOK_FANOUT_ENDPOINTS: '[{url:' },
    ],
    [
      'an empty endpoint list',
      'MAIL_WEBHOOK_FANOUT_ENDPOINTS',
      { MAIL_WEBHOOK_SINKS: 'fanout', MAIL_WEBHOOK_FANOUT_ENDPOINTS: '[]' },
    ],
    [
      'a secret written into the JSON',
      'MAIL_WEBHOOK_FANOUT_ENDPOINTS[0].secret',
      {
        MAIL_WEBHOOK_SINKS: 'fanout',
        MAIL_WEBHOOK_FANOUT_ENDPOINTS: endpoints([{ url: 'https://a.example', secret: SECRET }]),
      },
    ],
    [
      'a secret written into the JSON ahead of an env: reference',
      'MAIL_WEBHOOK_FANOUT_ENDPOINTS[0].secret',
      {
        MAIL_WEBHOOK_SINKS: 'fanout',
        ...fanoutEnv,
        MAIL_WEBHOOK_FANOUT_ENDPOINTS: endpoints([
          { url: 'https://a.example', secret: `${SECRET} env:SECRET_A` },
        ]),
      },
    ],
    [
      'two env: references in one secret',
      'MAIL_WEBHOOK_FANOUT_ENDPOINTS[0].secret',
      {
        MAIL_WEBHOOK_SINKS: 'fanout',
        ...fanoutEnv,
        MAIL_WEBHOOK_FANOUT_ENDPOINTS: endpoints([
          { url: 'https://a.example', secret: 'env:SECRET_A,env:SECRET_B' },
        ]),
      },
    ],
    [
      'an endpoint that is not an object',
      'MAIL_WEBHOOK_FANOUT_ENDPOINTS[0]',
      {
        MAIL_WEBHOOK_SINKS: 'fanout',
        ...fanoutEnv,
        MAIL_WEBHOOK_FANOUT_ENDPOINTS: endpoints([null]),
      },
    ],
    [
      'a missing secret variable',
      'SECRET_C',
      {
        MAIL_WEBHOOK_SINKS: 'fanout',
        MAIL_WEBHOOK_FANOUT_ENDPOINTS: endpoints([
          { url: 'https://a.example', secret: 'env:SECRET_C' },
        ]),
      },
    ],
    [
      'a secret variable without whsec_',
      'SECRET_A',
      { MAIL_WEBHOOK_SINKS: 'fanout', ...fanoutEnv, SECRET_A: 'hunter2' },
    ],
    [
      'a bad URL',
      'MAIL_WEBHOOK_FANOUT_ENDPOINTS[1].url',
      {
        MAIL_WEBHOOK_SINKS: 'fanout',
        ...fanoutEnv,
        MAIL_WEBHOOK_FANOUT_ENDPOINTS: endpoints([
          { url: 'https://a.example', secret: 'env:SECRET_A' },
          { url: 'mailto:x@y', secret: 'env:SECRET_B' },
        ]),
      },
    ],
    [
      'an unknown event type',
      'MAIL_WEBHOOK_FANOUT_ENDPOINTS[0].events[0]',
      {
        MAIL_WEBHOOK_SINKS: 'fanout',
        ...fanoutEnv,
        MAIL_WEBHOOK_FANOUT_ENDPOINTS: endpoints([
          { url: 'https://a.example', secret: 'env:SECRET_A', events: ['bounce'] },
        ]),
      },
    ],
    [
      'a misspelt endpoint key',
      'MAIL_WEBHOOK_FANOUT_ENDPOINTS[0].event',
      {
        MAIL_WEBHOOK_SINKS: 'fanout',
        ...fanoutEnv,
        MAIL_WEBHOOK_FANOUT_ENDPOINTS: endpoints([
          { url: 'https://a.example', secret: 'env:SECRET_A', event: ['bounced'] },
        ]),
      },
    ],
    [
      'a timeout that is not a number',
      'MAIL_WEBHOOK_FANOUT_TIMEOUT_MS',
      { MAIL_WEBHOOK_SINKS: 'fanout', ...fanoutEnv, MAIL_WEBHOOK_FANOUT_TIMEOUT_MS: '5s' },
    ],
    [
      'a zero timeout',
      'MAIL_WEBHOOK_FANOUT_TIMEOUT_MS',
      { MAIL_WEBHOOK_SINKS: 'fanout', ...fanoutEnv, MAIL_WEBHOOK_FANOUT_TIMEOUT_MS: '0' },
    ],
    [
      'a timeout a timer cannot hold',
      'MAIL_WEBHOOK_FANOUT_TIMEOUT_MS',
      { MAIL_WEBHOOK_SINKS: 'fanout', ...fanoutEnv, MAIL_WEBHOOK_FANOUT_TIMEOUT_MS: '3000000000' },
    ],
    [
      'too many retries',
      'MAIL_WEBHOOK_FANOUT_RETRIES',
      { MAIL_WEBHOOK_SINKS: 'fanout', ...fanoutEnv, MAIL_WEBHOOK_FANOUT_RETRIES: '50' },
    ],
    [
      'endpoints while MAIL_WEBHOOK_SINKS is unset',
      'MAIL_WEBHOOK_FANOUT_ENDPOINTS',
      { ...fanoutEnv },
    ],
    [
      'endpoints while MAIL_WEBHOOK_SINKS lists no fanout',
      'MAIL_WEBHOOK_FANOUT_ENDPOINTS',
      { MAIL_WEBHOOK_SINKS: 'memory,queue', MAIL_WEBHOOK_QUEUE: queue, ...fanoutEnv },
    ],
    [
      'a fan-out timeout without fanout',
      'MAIL_WEBHOOK_FANOUT_TIMEOUT_MS',
      { MAIL_WEBHOOK_SINKS: 'memory', MAIL_WEBHOOK_FANOUT_TIMEOUT_MS: '5000' },
    ],
    [
      'fan-out retries without fanout',
      'MAIL_WEBHOOK_FANOUT_RETRIES',
      { MAIL_WEBHOOK_FANOUT_RETRIES: '2' },
    ],
  ])('refuses %s, naming %s', (_, setting, env) => {
    expect(settingOf(env)).toBe(setting);
  });

  test.each([
    ['credentials', 'https://crm:hunter2@b.example/hook'],
    ['a query token', 'https://b.example/hook?token=hunter2'],
  ])(
    'refuses an endpoint URL with %s, naming its index and never printing the secret part',
    (_, url) => {
      const env = {
        MAIL_WEBHOOK_SINKS: 'fanout',
        ...fanoutEnv,
        MAIL_WEBHOOK_FANOUT_ENDPOINTS: endpoints([
          { url: 'https://a.example/hook', secret: 'env:SECRET_A' },
          { url, secret: 'env:SECRET_B' },
        ]),
      };
      expect(settingOf(env)).toBe('MAIL_WEBHOOK_FANOUT_ENDPOINTS[1].url');
      let message = '';
      try {
        createHandlerFromEnv({ MAIL_WEBHOOK_ENABLED: 'true', ...env });
      } catch (error) {
        message = String(error);
      }
      expect(message).toMatch(
        /^ConfigError: MAIL_WEBHOOK_FANOUT_ENDPOINTS\[1\]\.url: must not carry/,
      );
      expect(message).not.toContain('hunter2');
    },
  );

  test('endpoints written as a TOML array in wrangler.toml (a JSON value, not a string) are read as the string would be', async () => {
    // [vars] MAIL_WEBHOOK_FANOUT_ENDPOINTS = [{ url = "...", secret = "env:..." }] reaches the
    // Worker parsed; it was refused as "is required" although it was set.
    const posted: string[] = [];
    const logged: string[] = [];
    const handler = createHandlerFromEnv(
      {
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
        MAIL_WEBHOOK_SINKS: 'fanout',
        MAIL_WEBHOOK_FANOUT_ENDPOINTS: [
          { url: 'https://a.example/hook', secret: 'env:MAIL_WEBHOOK_FANOUT_SECRET_A' },
        ],
        MAIL_WEBHOOK_FANOUT_SECRET_A: SECRET,
      },
      {
        fetch: async (url) => {
          posted.push(String(url));
          return new Response(null, { status: 204 });
        },
        logger: { ...silentLogger, warn: (message: string) => void logged.push(message) },
      },
    );
    const response = await handler(snsRequest(sesBounce, 'toml-array-1'));
    expect(response.status).toBe(200);
    expect(posted).toEqual(['https://a.example/hook']);
    // The secret variable it names is read, not reported as unknown.
    expect(logged.filter((line) => line.includes('MAIL_WEBHOOK_FANOUT_SECRET_A'))).toEqual([]);
  });

  test.each([
    ['an object', { url: 'https://a.example/hook', secret: 'env:SECRET_A' }],
    ['an empty array', []],
    ['a number', 42],
  ])('endpoints given as %s are refused for what they are, not as missing', (_, value) => {
    expect(() =>
      sinksFromEnv(
        { MAIL_WEBHOOK_SINKS: 'fanout', MAIL_WEBHOOK_FANOUT_ENDPOINTS: value, SECRET_A: SECRET },
        context,
      ),
    ).toThrow('MAIL_WEBHOOK_FANOUT_ENDPOINTS: expected a non-empty JSON array of endpoints');
  });

  // A secret written inline (against the env: rule) must not reach the start-up error.
  test.each([
    ['a secret written inline', `[{"url": "https://a.example", "secret": ${SECRET}}]`],
    ['a secret after the list', `[] ${SECRET}`],
  ])(
    'endpoints that are not JSON (%s): the error gives the position, never the text around it',
    (_, raw) => {
      let thrown: unknown;
      try {
        sinksFromEnv({ MAIL_WEBHOOK_SINKS: 'fanout', MAIL_WEBHOOK_FANOUT_ENDPOINTS: raw }, context);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      // The position, where the engine's message has one (V8 gives it for text after the JSON).
      let engine = '';
      try {
        JSON.parse(raw);
      } catch (error) {
        engine = /position \d+/.exec((error as Error).message)?.[0] ?? '';
      }
      expect((thrown as Error).message).toBe(
        `MAIL_WEBHOOK_FANOUT_ENDPOINTS: is not valid JSON${engine && ` (at ${engine})`}`,
      );
    },
  );

  test('endpoints set to only spaces and line breaks are missing, not bad JSON: the error says they are required', () => {
    expect(() =>
      sinksFromEnv(
        { MAIL_WEBHOOK_SINKS: 'fanout', MAIL_WEBHOOK_FANOUT_ENDPOINTS: ' \n ' },
        context,
      ),
    ).toThrow(/^MAIL_WEBHOOK_FANOUT_ENDPOINTS: is required when MAIL_WEBHOOK_SINKS lists fanout/);
  });

  test('endpoints unset or null with fanout listed: the error says they are required', () => {
    for (const endpoints of [undefined, null]) {
      expect(() =>
        sinksFromEnv(
          { MAIL_WEBHOOK_SINKS: 'fanout', MAIL_WEBHOOK_FANOUT_ENDPOINTS: endpoints },
          context,
        ),
      ).toThrow(/^MAIL_WEBHOOK_FANOUT_ENDPOINTS: is required when MAIL_WEBHOOK_SINKS lists fanout/);
    }
  });

  test('a missing secret says where to set it', () => {
    const env = { MAIL_WEBHOOK_SINKS: 'fanout', ...fanoutEnv, SECRET_B: '' };
    expect(() => sinksFromEnv(env, context)).toThrow(
      /SECRET_B: is not set \(named by MAIL_WEBHOOK_FANOUT_ENDPOINTS\[1\]\.secret\); set it with `wrangler secret put SECRET_B`/,
    );
  });

  test('endpoints set without fanout in MAIL_WEBHOOK_SINKS stop start-up, saying what to add', () => {
    expect(() =>
      createHandlerFromEnv({
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_SINKS: 'memory',
        ...fanoutEnv,
      }),
    ).toThrow('MAIL_WEBHOOK_FANOUT_ENDPOINTS: is set, but MAIL_WEBHOOK_SINKS does not list fanout');
    // Written as a TOML array too.
    expect(() =>
      sinksFromEnv(
        {
          MAIL_WEBHOOK_SINKS: 'memory',
          MAIL_WEBHOOK_FANOUT_ENDPOINTS: [{ url: 'https://a.example/hook', secret: 'env:A' }],
        },
        context,
      ),
    ).toThrow('MAIL_WEBHOOK_FANOUT_ENDPOINTS: is set, but MAIL_WEBHOOK_SINKS does not list fanout');
  });

  test('createHandlerFromEnv stops start-up on a bad sink setting', () => {
    expect(() =>
      createHandlerFromEnv({ MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_SINKS: 'queue' }),
    ).toThrow(ConfigError);
  });
});

describe('a queue binding MAIL_WEBHOOK_SINKS does not list', () => {
  const QUEUE_LINE = {
    level: 'warn',
    msg: 'variable MAIL_WEBHOOK_QUEUE is set, but MAIL_WEBHOOK_SINKS does not list queue',
    fields: { variable: 'MAIL_WEBHOOK_QUEUE', sink: 'queue' },
  };

  /** The lines sinksFromEnv logs for `env`, and the request's sinks it built. */
  function linesFor(env: Record<string, unknown>, extra: { queue?: typeof queue } = {}) {
    const { logger, lines } = memoryLogger();
    const { requestSinks } = sinksFromEnv(env, { ...context, ...extra, logger });
    return { lines, request: requestSinks.map((s) => s.name) };
  }

  test.each([
    ['memory', { MAIL_WEBHOOK_SINKS: 'memory' }],
    ['the default (unset)', {}],
    ['memory,fanout', { MAIL_WEBHOOK_SINKS: 'memory,fanout', ...fanoutEnv }],
  ])(
    'with %s: one warning naming both variables; events still go to the sinks listed',
    (_name, env) => {
      const { lines, request } = linesFor({ ...env, MAIL_WEBHOOK_QUEUE: queue });
      expect(lines).toEqual([QUEUE_LINE]);
      expect(request).not.toContain('queue');
    },
  );

  test('a queue given in the context instead of the binding, unlisted, is the same warning', () => {
    expect(linesFor({ MAIL_WEBHOOK_SINKS: 'memory' }, { queue }).lines).toEqual([QUEUE_LINE]);
  });

  test.each([
    [
      'queue listed and bound',
      { MAIL_WEBHOOK_SINKS: 'queue,fanout', MAIL_WEBHOOK_QUEUE: queue, ...fanoutEnv },
    ],
    ['no binding', { MAIL_WEBHOOK_SINKS: 'memory' }],
    // A server's environment holds text, never a binding: its own line says it ignores the name.
    ['MAIL_WEBHOOK_QUEUE as text, as on a server', { MAIL_WEBHOOK_QUEUE: 'mailhooks-events' }],
  ])('logs no such line with %s', (_name, env) => {
    expect(linesFor(env).lines).toEqual([]);
  });

  test('createHandlerFromEnv says it through its logger, once, at start-up', async () => {
    const { logger, lines } = memoryLogger();
    const handle = createHandlerFromEnv(
      {
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
        MAIL_WEBHOOK_QUEUE: queue,
      },
      { logger },
    );
    for (const id of ['sns-unlisted-1', 'sns-unlisted-2']) {
      expect((await handle(snsRequest(sesBounce, id))).status).toBe(200);
    }
    expect(lines.filter((line) => line.fields.sink !== undefined)).toEqual([QUEUE_LINE]);
  });
});
