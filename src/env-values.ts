/** Reading typed values out of environment variables; every problem names the variable. */
import { ConfigError } from './errors.js';

/**
 * Environment variables as runtimes hand them over: `process.env`, `Deno.env.toObject()`, a
 * Worker's `env` (its `Env` interface, as `wrangler types` writes it, has no index signature).
 */
export type Env = object;

/** The same, read by name. */
export type EnvVars = Readonly<Record<string, unknown>>;

/**
 * A string variable; unset or empty is `undefined`. A number or boolean (a `wrangler.toml` var
 * written unquoted, `MAIL_WEBHOOK_ENABLED = true`) is read as its text; anything else (an object
 * var, a binding under a setting's name) is refused.
 */
export const envString = (env: Env, name: string): string | undefined => {
  const raw = (env as EnvVars)[name];
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  if (typeof raw !== 'string') throw new ConfigError(name, 'expected a string');
  return raw;
};

/** A whole-number variable; unset or empty is `undefined`. */
export const envWholeNumber = (env: Env, name: string): number | undefined => {
  const raw = envString(env, name);
  if (raw === undefined) return undefined;
  if (!/^\d{1,15}$/.test(raw.trim()))
    throw new ConfigError(name, `expected a whole number, got ${JSON.stringify(raw)}`);
  return Number(raw.trim());
};

/** A true/false variable (also 1/0, yes/no, on/off); unset or empty is `undefined`. */
export const envBoolean = (env: Env, name: string): boolean | undefined => {
  const raw = envString(env, name);
  if (raw === undefined) return undefined;
  const text = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off'].includes(text)) return false;
  throw new ConfigError(name, `expected true or false, got ${JSON.stringify(raw)}`);
};
