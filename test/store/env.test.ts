import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { createRuntimeFromEnv, unknownVariables } from '../../src/from-env.js';
import { silentLogger } from '../../src/log.js';
import { normalizeAddress } from '../../src/store/address.js';
import { storeFromEnv } from '../../src/store/env.js';
import { SCHEMA } from '../../src/store/sql.js';
import { createD1Store, createSqliteStore, suppressionReason } from '../../src/store/store.js';
import { sampleContext } from '../sinks/samples.js';

/** Enough of a D1 binding for start-up (nothing is queried). */
const d1 = { prepare: () => ({ bind: () => ({}) }), batch: async () => [] };
const sqlite = { prepare: () => ({ all: () => [] }), exec: () => undefined };

const configError = (build: () => unknown) => {
  try {
    build();
  } catch (error) {
    if (error instanceof ConfigError) return { setting: error.setting, message: error.message };
    throw error;
  }
  return undefined;
};

describe('the store from variables', () => {
  test('MAIL_WEBHOOK_DB turns the store on, MAIL_WEBHOOK_API_TOKEN the routes', () => {
    const { store, apiToken } = storeFromEnv({ MAIL_WEBHOOK_DB: d1, MAIL_WEBHOOK_API_TOKEN: 't' });
    expect(store?.name).toBe('d1');
    expect(apiToken).toBe('t');
    expect(storeFromEnv({})).toEqual({});
  });

  test('an empty MAIL_WEBHOOK_DB is unset, as every empty variable is: no store, no error', () => {
    expect(storeFromEnv({ MAIL_WEBHOOK_DB: '' })).toEqual({});
    expect(storeFromEnv({ MAIL_WEBHOOK_DB: '', MAIL_WEBHOOK_SQLITE_PATH: '' })).toEqual({});
  });

  test('the D1 store applies MAIL_WEBHOOK_IGNORE_LOCAL_PART_CASE and MAIL_WEBHOOK_RETENTION_DAYS', async () => {
    /** A D1 binding that records each batch's statements and finds nothing. */
    const recording = () => {
      const batches: { sql: string; params: unknown[] }[][] = [];
      const binding = {
        prepare: (sql: string) => ({ bind: (...params: unknown[]) => ({ sql, params }) }),
        batch: async (statements: { sql: string; params: unknown[] }[]) => {
          batches.push(statements);
          return statements.map(() => ({ results: [] }));
        },
      };
      return { binding, batches };
    };
    const recorded = async (env: Record<string, unknown>) => {
      const { binding, batches } = recording();
      const { store } = storeFromEnv({ ...env, MAIL_WEBHOOK_DB: binding });
      await store?.record([sampleContext({ recipient: 'Jane@Example.COM' })]);
      const last = batches.at(-1) ?? [];
      return {
        recipients: last
          .filter((s) => s.sql.startsWith('INSERT OR IGNORE INTO events'))
          .map((s) => JSON.parse(String(s.params.at(-1)))[0][1]),
        pruned: last.filter((s) => s.sql.startsWith('DELETE FROM')).length,
      };
    };
    expect(await recorded({})).toEqual({ recipients: ['Jane@example.com'], pruned: 0 });
    expect(
      await recorded({
        MAIL_WEBHOOK_IGNORE_LOCAL_PART_CASE: 'true',
        MAIL_WEBHOOK_RETENTION_DAYS: '30',
      }),
    ).toEqual({ recipients: ['jane@example.com'], pruned: 2 });
  });

  test('MAIL_WEBHOOK_SQLITE_PATH opens the file with the runtime the server supplies', () => {
    const opened: unknown[] = [];
    const env = { MAIL_WEBHOOK_SQLITE_PATH: '/data/m.sqlite', MAIL_WEBHOOK_RETENTION_DAYS: '30' };
    const { store } = storeFromEnv(env, (path, options) => {
      opened.push(path, options);
      return createSqliteStore(sqlite, options);
    });
    expect([store?.name, opened]).toEqual(['sqlite', ['/data/m.sqlite', { retentionDays: 30 }]]);
  });

  test.each([
    [{ MAIL_WEBHOOK_RETENTION_DAYS: '1' }, { retentionDays: 1 }],
    [{ MAIL_WEBHOOK_RETENTION_DAYS: '36500' }, { retentionDays: 36_500 }],
    [{ MAIL_WEBHOOK_IGNORE_LOCAL_PART_CASE: 'false' }, { ignoreLocalPartCase: false }],
    [{ MAIL_WEBHOOK_IGNORE_LOCAL_PART_CASE: 'true' }, { ignoreLocalPartCase: true }],
  ])('%j opens the SQLite store with %j', (variables, options) => {
    const opened: unknown[] = [];
    storeFromEnv({ MAIL_WEBHOOK_SQLITE_PATH: 'm.sqlite', ...variables }, (_, given) => {
      opened.push(given);
      return createSqliteStore(sqlite, given);
    });
    expect(opened).toEqual([options]);
  });

  test.each([
    [{ MAIL_WEBHOOK_API_TOKEN: 't' }, 'MAIL_WEBHOOK_API_TOKEN', /no store/],
    [{ MAIL_WEBHOOK_DB: 'mailhooks' }, 'MAIL_WEBHOOK_DB', /D1 database binding/],
    [{ MAIL_WEBHOOK_SQLITE_PATH: 'm.sqlite' }, 'MAIL_WEBHOOK_SQLITE_PATH', /Worker binds a D1/],
    [
      { MAIL_WEBHOOK_DB: d1, MAIL_WEBHOOK_RETENTION_DAYS: 'a week' },
      'MAIL_WEBHOOK_RETENTION_DAYS',
      /whole number/,
    ],
    // A server's store is a SQLite file: the message names both, not the D1 binding alone.
    [
      { MAIL_WEBHOOK_RETENTION_DAYS: '30' },
      'MAIL_WEBHOOK_RETENTION_DAYS',
      /no store: bind a D1 database as MAIL_WEBHOOK_DB \(Workers\) or set MAIL_WEBHOOK_SQLITE_PATH \(servers\)/,
    ],
    [
      { MAIL_WEBHOOK_IGNORE_LOCAL_PART_CASE: 'true' },
      'MAIL_WEBHOOK_IGNORE_LOCAL_PART_CASE',
      /or set MAIL_WEBHOOK_SQLITE_PATH \(servers\)/,
    ],
    [
      { MAIL_WEBHOOK_DB: d1, MAIL_WEBHOOK_RETENTION_DAYS: '40000' },
      'MAIL_WEBHOOK_RETENTION_DAYS',
      /from 1 to 36500/,
    ],
    [
      { MAIL_WEBHOOK_DB: d1, MAIL_WEBHOOK_RETENTION_DAYS: '0' },
      'MAIL_WEBHOOK_RETENTION_DAYS',
      /from 1 to 36500/,
    ],
    [
      { MAIL_WEBHOOK_DB: d1, MAIL_WEBHOOK_SQLITE_PATH: 'm.sqlite' },
      'MAIL_WEBHOOK_SQLITE_PATH',
      /set it or bind MAIL_WEBHOOK_DB, not both/,
    ],
  ])('%j stops start-up naming %s', (env, setting, message) => {
    const error = configError(() => storeFromEnv(env));
    expect(error?.setting).toBe(setting);
    expect(error?.message).toMatch(message);
  });

  test('the error never prints the token', () => {
    const error = configError(() =>
      createRuntimeFromEnv(
        { MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_API_TOKEN: 'sekret-token-value' },
        { logger: silentLogger },
      ),
    );
    expect(error?.setting).toBe('MAIL_WEBHOOK_API_TOKEN');
    expect(error?.message).not.toContain('sekret-token-value');
  });

  test('a token with a line break is refused naming MAIL_WEBHOOK_API_TOKEN, never printed', () => {
    const error = configError(() =>
      createRuntimeFromEnv(
        { MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_DB: d1, MAIL_WEBHOOK_API_TOKEN: 'sekret\n' },
        { logger: silentLogger },
      ),
    );
    expect(error?.setting).toBe('MAIL_WEBHOOK_API_TOKEN');
    expect(error?.message).toMatch(/no spaces/);
    expect(error?.message).not.toContain('sekret');
  });

  test('the store variables are known; a typo gets the closest', () => {
    const env = {
      MAIL_WEBHOOK_DB: d1,
      MAIL_WEBHOOK_API_TOKEN: 't',
      MAIL_WEBHOOK_SQLITE_PATH: 'x',
      MAIL_WEBHOOK_RETENTION_DAYS: '30',
      MAIL_WEBHOOK_IGNORE_LOCAL_PART_CASE: 'true',
      MAIL_WEBHOOK_API_TOKN: 't',
    };
    expect(unknownVariables(env)).toEqual([
      { name: 'MAIL_WEBHOOK_API_TOKN', closest: 'MAIL_WEBHOOK_API_TOKEN' },
    ]);
  });

  test('a provider path on a reserved route is refused naming the variable that set it', () => {
    const error = configError(() =>
      createRuntimeFromEnv(
        {
          MAIL_WEBHOOK_DB: d1,
          MAIL_WEBHOOK_API_TOKEN: 't',
          MAIL_WEBHOOK_SES_PATH: 'events',
          MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
        },
        { logger: silentLogger },
      ),
    );
    expect(error?.setting).toBe('MAIL_WEBHOOK_SES_PATH');
    expect(error?.message).toMatch(/^MAIL_WEBHOOK_SES_PATH: "events" is reserved/);
  });
});

describe('store pieces', () => {
  test('migrations/0001_init.sql is the schema the store creates', () => {
    const file = readFileSync('migrations/0001_init.sql', 'utf8');
    // Statement for statement, the same words; the file lays out a column a line.
    const words = (statement: string) =>
      statement.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').trim();
    const statements = file
      .split('\n')
      .filter((line) => !line.startsWith('--'))
      .join('\n')
      .split(';')
      .map(words)
      .filter(Boolean);
    expect(statements).toEqual(SCHEMA.map(words));
  });

  test.each([
    ['Jane.Doe@Example.COM', false, 'Jane.Doe@example.com'],
    ['Jane.Doe@Example.COM', true, 'jane.doe@example.com'],
    ['  "a@b"@EXAMPLE.org ', false, '"a@b"@example.org'],
    ['no-at-sign', false, 'no-at-sign'],
  ])('normalizes %s (ignoreLocalPartCase %s) to %s', (email, fold, expected) => {
    expect(normalizeAddress(email, fold)).toBe(expected);
  });

  test.each([
    [{ eventType: 'bounced', permanent: true, rejectCategory: 'bounced' }, 'bounced'],
    [{ eventType: 'rejected', permanent: true, rejectCategory: 'invalid' }, 'invalid'],
    [{ eventType: 'bounced', permanent: false, rejectCategory: 'bounced' }, null],
    [{ eventType: 'failed', permanent: true, rejectCategory: 'other' }, null],
    [{ eventType: 'complained', permanent: null, rejectCategory: 'spam' }, 'spam'],
    [
      { eventType: 'unsubscribed', permanent: null, rejectCategory: 'unsubscribed' },
      'unsubscribed',
    ],
    [{ eventType: 'delivered', permanent: null, rejectCategory: null }, null],
  ] as const)('%j suppresses with %s', (fields, reason) => {
    expect(suppressionReason(sampleContext(fields))).toBe(reason);
  });

  test('store options are checked: unknown keys and bad values are a ConfigError', () => {
    expect(
      configError(() => createSqliteStore(sqlite, { retentionDay: 3 } as never)),
    ).toMatchObject({
      setting: 'store.retentionDay',
    });
    for (const retentionDays of [0, 0.5, 36_501]) {
      expect(configError(() => createSqliteStore(sqlite, { retentionDays }))).toMatchObject({
        setting: 'store.retentionDays',
        message: expect.stringContaining('expected a number of days from 1 to 36500'),
      });
    }
    expect(configError(() => createSqliteStore(sqlite, { retentionDays: 1.5 }))).toBeUndefined();
    expect(configError(() => createSqliteStore({} as never))?.setting).toBe('store');
  });

  test('each factory refuses the other database: a D1 binding (it has exec too) to createSqliteStore, SQLite to createD1Store', () => {
    const d1WithExec = { ...d1, exec: async () => undefined };
    expect(configError(() => createSqliteStore(d1WithExec as never))).toMatchObject({
      setting: 'store',
      message: expect.stringContaining('a D1 binding takes createD1Store'),
    });
    expect(configError(() => createD1Store(sqlite as never))).toMatchObject({
      setting: 'store',
      message: expect.stringContaining('createD1Store expects a D1 database binding'),
    });
    expect(configError(() => createD1Store(d1WithExec as never))).toBeUndefined();
  });
});
