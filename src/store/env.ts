/** The store from variables: a D1 binding `MAIL_WEBHOOK_DB`, or a SQLite file on the servers. */
import { type Env, type EnvVars, envBoolean, envString, envWholeNumber } from '../env-values.js';
import { ConfigError } from '../errors.js';
import { fromD1, isD1Database } from './database.js';
import { createSqlStore } from './store.js';
import type { EventStore, StoreOptions } from './types.js';

/**
 * The store on a SQLite file (created if missing) with the runtime's own driver; servers supply
 * it, so a Worker's bundle carries no SQLite code.
 */
export type OpenSqlite = (path: string, options: StoreOptions) => EventStore;

export const STORE_VARIABLES = [
  'MAIL_WEBHOOK_DB',
  'MAIL_WEBHOOK_SQLITE_PATH',
  'MAIL_WEBHOOK_API_TOKEN',
  'MAIL_WEBHOOK_RETENTION_DAYS',
  'MAIL_WEBHOOK_IGNORE_LOCAL_PART_CASE',
];

function _storeOptions(env: Env): StoreOptions {
  const options: { retentionDays?: number; ignoreLocalPartCase?: boolean } = {};
  const days = envWholeNumber(env, 'MAIL_WEBHOOK_RETENTION_DAYS');
  if (days !== undefined) {
    // The store's own bound, checked here so the error names the variable, not the option.
    if (days < 1 || days > 36_500) {
      throw new ConfigError(
        'MAIL_WEBHOOK_RETENTION_DAYS',
        'expected a number of days from 1 to 36500',
      );
    }
    options.retentionDays = days;
  }
  const fold = envBoolean(env, 'MAIL_WEBHOOK_IGNORE_LOCAL_PART_CASE');
  if (fold !== undefined) options.ignoreLocalPartCase = fold;
  return options;
}

function _store(env: Env, openSqlite: OpenSqlite | undefined): EventStore | undefined {
  const binding = (env as EnvVars).MAIL_WEBHOOK_DB;
  const path = envString(env, 'MAIL_WEBHOOK_SQLITE_PATH');
  if (binding !== undefined && binding !== null && binding !== '') {
    if (!isD1Database(binding)) {
      throw new ConfigError(
        'MAIL_WEBHOOK_DB',
        'expected a D1 database binding ([[d1_databases]] binding = "MAIL_WEBHOOK_DB" in wrangler.toml), not a variable',
      );
    }
    if (path !== undefined) {
      throw new ConfigError('MAIL_WEBHOOK_SQLITE_PATH', 'set it or bind MAIL_WEBHOOK_DB, not both');
    }
    // Checked above, the variables too: the store as createD1Store makes it, without its checks.
    return createSqlStore(fromD1(binding), 'd1', _storeOptions(env));
  }
  if (path === undefined) return undefined;
  if (!openSqlite) {
    throw new ConfigError(
      'MAIL_WEBHOOK_SQLITE_PATH',
      'is read by the Bun, Deno and Node servers; a Worker binds a D1 database as MAIL_WEBHOOK_DB',
    );
  }
  return openSqlite(path, _storeOptions(env));
}

// Named for both kinds of runtime: a server's store is MAIL_WEBHOOK_SQLITE_PATH, not a D1 binding.
const _NO_STORE =
  'there is no store: bind a D1 database as MAIL_WEBHOOK_DB (Workers) or set MAIL_WEBHOOK_SQLITE_PATH (servers)';

/** The handler's `store` and `apiToken` options; throws a `ConfigError` naming the variable. */
export function storeFromEnv(
  env: Env,
  openSqlite?: OpenSqlite,
): { store?: EventStore; apiToken?: string } {
  const store = _store(env, openSqlite);
  const apiToken = envString(env, 'MAIL_WEBHOOK_API_TOKEN');
  if (apiToken !== undefined && !store) {
    throw new ConfigError('MAIL_WEBHOOK_API_TOKEN', `serves the store routes, but ${_NO_STORE}`);
  }
  if (!store) {
    for (const name of ['MAIL_WEBHOOK_RETENTION_DAYS', 'MAIL_WEBHOOK_IGNORE_LOCAL_PART_CASE']) {
      if (envString(env, name) !== undefined) {
        throw new ConfigError(name, `is a store setting, but ${_NO_STORE}`);
      }
    }
  }
  return { ...(store ? { store } : {}), ...(apiToken !== undefined ? { apiToken } : {}) };
}
