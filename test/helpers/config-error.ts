/** The ConfigError a factory throws, for tests that read its field and message. */
import { ConfigError } from '../../src/errors.js';

/** The ConfigError `build` throws (failing the test when it throws nothing or something else). */
export function configErrorOf(build: () => unknown): ConfigError {
  try {
    build();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}
