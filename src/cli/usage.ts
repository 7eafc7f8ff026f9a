/** A command-line mistake: printed with a hint to `--help`, exit code 2. */
import { didYouMean } from '../suggest.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * A name the command does not know (`text` quotes it): the closest known one when one is close
 * (as for a mistyped setting), then all of them.
 */
export const unknownName = (text: string, name: string, known: readonly string[]) =>
  new UsageError(`${text}${didYouMean(name, known)} (one of: ${known.join(', ')})`);
