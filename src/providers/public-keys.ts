/** Configured public keys: decoded at start-up (a bad one stops it, naming which) and imported once. */
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';

/**
 * Every key through `decode`; a sentence back (what is wrong, never the key) stops start-up as a
 * `ConfigError` on `field`, naming which key when there are several.
 */
export function decodeKeys<T>(
  field: string,
  keys: readonly string[],
  decode: (key: string) => T | string,
): T[] {
  return keys.map((key, index) => {
    const bytes = decode(key);
    if (typeof bytes !== 'string') return bytes;
    const which = keys.length > 1 ? ` (key ${index + 1} of ${keys.length})` : '';
    throw new ConfigError(field, `${bytes}${which}`);
  });
}

/**
 * A key import run once at start: a failure is logged (`message`, with `esp`) and kept as an
 * Error, for each request to answer.
 */
export const importOnce = <T>(
  imported: Promise<T>,
  logger: Logger,
  message: string,
  esp: string,
): Promise<T | Error> =>
  imported.catch((error: unknown) => {
    logger.error(message, { esp });
    return error instanceof Error ? error : new Error('import failed');
  });
