/** How a built-in provider is listed: its factory, and how the environment sets its options. */
import type { Provider } from './types.js';

/**
 * How a variable is read: `secret` is one value per variable (a `_PREVIOUS` variable adds a
 * second, for rotation); `list` is comma-separated; `boolean` true/false; `number` whole.
 */
export type SettingKind = 'string' | 'secret' | 'list' | 'boolean' | 'number';

export interface BuiltinProvider {
  /** The provider's name, as listed in `MAIL_WEBHOOK_PROVIDERS`. */
  readonly name: string;
  /** The factory, given the settings read from the variables (its own options type is accepted). */
  create(options: Record<string, unknown>): Provider;
  /** Option name → kind; each is read from `MAIL_WEBHOOK_<NAME>_<OPTION>`. */
  readonly settings: Readonly<Record<string, SettingKind>>;
}
