/**
 * What a program's handler knows of SES, kept out of the config: SES is the default provider, as
 * in the reference, and the top-level SES options of earlier versions say where they went.
 */
import { ConfigError } from '../errors.js';
import { ses } from './ses/index.js';
import type { Provider } from './types.js';

export const defaultProviders = (): Provider[] => [ses()];

const _MOVED_TO_SES = [
  'secret',
  'topicArns',
  'autoConfirm',
  'allowAnyTopic',
  'maxAgeSeconds',
  'verifySignature',
  'allowRawDelivery',
] as const;

/** Refuses the `ses` option, or an SES setting that was a top-level option before providers. */
export function rejectMovedOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null) return;
  if ('ses' in options) {
    throw new ConfigError('ses', 'the ses option is gone: pass providers: [ses({...})] instead');
  }
  // Pointed at their new place.
  const moved = _MOVED_TO_SES.find((key) => key in options);
  if (moved) {
    throw new ConfigError(
      moved,
      `is an SES setting now: pass providers: [ses({ ${moved}: ... })] instead`,
    );
  }
}
