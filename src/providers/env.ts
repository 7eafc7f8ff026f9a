/**
 * Providers from `MAIL_WEBHOOK_PROVIDERS` and each one's `MAIL_WEBHOOK_<NAME>_<SETTING>` variables.
 * The registry is a parameter, so a Worker listing a few providers bundles only those.
 */
import { type Env, envBoolean, envString, envWholeNumber } from '../env-values.js';
import { ConfigError } from '../errors.js';
import { didYouMean } from '../suggest.js';
import type { BuiltinProvider, SettingKind } from './registry-types.js';
import type { Provider } from './types.js';

const _COMMON: Readonly<Record<string, SettingKind>> = {
  path: 'string',
  verifySignature: 'boolean',
};

const _snake = (name: string): string =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toUpperCase();

/** `MAIL_WEBHOOK_SES_TOPIC_ARNS` for ('ses', 'topicArns'). */
export const providerVariable = (provider: string, option: string): string =>
  `MAIL_WEBHOOK_${_snake(provider)}_${_snake(option)}`;

const _settingsOf = (entry: BuiltinProvider) => ({ ..._COMMON, ...entry.settings });

/** Every variable a provider of `registry` reads (rotation's `_PREVIOUS` ones included). */
export function providerVariables(registry: readonly BuiltinProvider[]): string[] {
  const names: string[] = [];
  for (const entry of registry) {
    for (const [option, kind] of Object.entries(_settingsOf(entry))) {
      const name = providerVariable(entry.name, option);
      names.push(name);
      if (kind === 'secret') names.push(`${name}_PREVIOUS`);
    }
  }
  return names;
}

function _read(env: Env, name: string, kind: SettingKind): unknown {
  switch (kind) {
    case 'boolean':
      return envBoolean(env, name);
    case 'number':
      return envWholeNumber(env, name);
    case 'list':
      // Set but blank (spaces, commas) stays an empty list, which the schema refuses: read as
      // unset, it dropped an allow-list.
      return envString(env, name)
        ?.split(',')
        .map((item) => item.trim())
        .filter(Boolean);
    case 'secret': {
      // One value per variable: commas and spaces are part of a secret. _PREVIOUS is the second
      // value of a rotation; alone, the current one was removed or misnamed: say so.
      const secret = envString(env, name);
      const previous = envString(env, `${name}_PREVIOUS`);
      if (secret === undefined && previous !== undefined) {
        throw new ConfigError(name, `is not set, but ${name}_PREVIOUS is (the old value)`);
      }
      return secret === undefined ? secret : previous === undefined ? [secret] : [secret, previous];
    }
    default:
      return envString(env, name);
  }
}

/** One provider from its variables; a bad or missing setting is a `ConfigError` naming the variable. */
function _fromEnv(env: Env, entry: BuiltinProvider): Provider {
  const settings = _settingsOf(entry);
  const options: Record<string, unknown> = {};
  for (const [option, kind] of Object.entries(settings)) {
    const value = _read(env, providerVariable(entry.name, option), kind);
    if (value !== undefined) options[option] = value;
  }
  try {
    return entry.create(options);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const option = error.setting.startsWith(`${entry.name}.`)
      ? error.setting.slice(entry.name.length + 1).replace(/\..*$/, '')
      : undefined;
    if (option === undefined || !(option in settings)) throw error;
    const variable = providerVariable(entry.name, option);
    throw new ConfigError(
      settings[option] === 'secret' && _previousFailed(entry, options, option, error)
        ? `${variable}_PREVIOUS`
        : variable,
      error.detail,
    );
  }
}

/**
 * Whether a bad rotation setting is the `_PREVIOUS` variable's: the current value alone no longer
 * gives the same error (another setting may still give its own).
 */
function _previousFailed(
  entry: BuiltinProvider,
  options: Record<string, unknown>,
  option: string,
  error: ConfigError,
): boolean {
  const both = options[option];
  if (!Array.isArray(both) || both.length < 2) return false;
  try {
    entry.create({ ...options, [option]: both.slice(0, 1) });
    return true;
  } catch (again) {
    return !(again instanceof ConfigError) || again.setting !== error.setting;
  }
}

/** The providers named in `MAIL_WEBHOOK_PROVIDERS` (comma list of `registry` names; default `ses`). */
export function providersFromEnv(env: Env, registry: readonly BuiltinProvider[]): Provider[] {
  const listed = (envString(env, 'MAIL_WEBHOOK_PROVIDERS') ?? 'ses')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (listed.length === 0) {
    throw new ConfigError(
      'MAIL_WEBHOOK_PROVIDERS',
      'expected a comma list of providers, such as ses,resend',
    );
  }
  const known = registry.map((p) => p.name);
  // A registry entry of one's own named as a built-in one would never be used: the first wins.
  for (const [setting, names] of [
    ['MAIL_WEBHOOK_PROVIDERS', listed],
    ['registry', known],
  ] as const) {
    const twice = names.find((name, index) => names.indexOf(name) !== index);
    if (twice !== undefined) {
      throw new ConfigError(
        setting,
        `${JSON.stringify(twice)} is listed twice; each provider is listed once`,
      );
    }
  }
  return listed.map((name) => {
    const entry = registry.find((p) => p.name === name);
    if (!entry) {
      // A Worker of fewer providers (createWorker) knows no other name: it says where they all are.
      throw new ConfigError(
        'MAIL_WEBHOOK_PROVIDERS',
        `unknown provider ${JSON.stringify(name)}${didYouMean(name, known)} (known: ${known.join(', ')}; mailhooks/cloudflare has every provider)`,
      );
    }
    return _fromEnv(env, entry);
  });
}
