/** Option schemas every provider shares: path, verifySignature, secrets that may be lists, strict keys. */
import * as v from 'valibot';
import { ConfigError } from '../errors.js';
import {
  boolean,
  hasText,
  issueField,
  nonEmpty,
  string,
  transform,
  union,
  wholeNumber,
} from '../schema.js';
import { didYouMean } from '../suggest.js';
import { isObject } from './fields.js';

/** One secret or several (rotation: any one verifies); always an array after parsing. */
export const secretList = (what = 'secret') => {
  // Blank is a template that filled in nothing, not a secret: refused like an empty one.
  const one = v.pipe(string(), hasText(`the ${what} must not be empty or blank`));
  return v.pipe(
    union(
      [one, v.pipe(v.array(one), nonEmpty(`expected at least one ${what}`))],
      `expected a ${what} (a string) or a list of them`,
    ),
    transform((value): string[] => (typeof value === 'string' ? [value] : value)),
  );
};

/** A list of non-empty strings (`topicArns`, `accounts`); an empty list would match no request. */
export const stringList = (what: string) =>
  v.pipe(
    v.array(v.pipe(string(), nonEmpty(`a ${what} must not be empty`))),
    nonEmpty(`expected at least one ${what}`),
  );

/** A replay window in seconds; 0 turns the check off. */
export const maxAgeSeconds = (fallback: number) => v.optional(wholeNumber(0), fallback);

// `.` and `..` are dot-segments: every URL parser removes them, so no request could reach one.
export const PATH_SEGMENT = /^(?!\.\.?$)[\w.~-]+$/;

/** The options every provider takes. */
export const commonEntries = {
  path: v.optional(
    v.pipe(
      string(),
      v.check((path) => PATH_SEGMENT.test(path), 'expected one path segment such as resend-eu'),
    ),
  ),
  verifySignature: v.optional(boolean(), true),
};

/**
 * Refuses keys the schema does not know, naming the closest known one (or, when none is close,
 * every known one): a typo must not turn a check off.
 */
export function rejectUnknownKeys(input: unknown, known: readonly string[], where: string): void {
  if (!isObject(input)) {
    throw new ConfigError(where || 'options', 'expected an options object');
  }
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) {
      throw new ConfigError(
        where ? `${where}.${key}` : key,
        `unknown option${didYouMean(key, known) || `; known options: ${known.join(', ')}`}`,
      );
    }
  }
}

/**
 * Parses a provider's options: unknown keys refused, every problem a `ConfigError` named
 * `<provider>.<option>` (which the environment reader turns into the variable's name).
 */
export function parseProviderOptions<S extends v.ObjectSchema<v.ObjectEntries, undefined>>(
  name: string,
  schema: S,
  input: unknown,
): v.InferOutput<S> {
  rejectUnknownKeys(input ?? {}, Object.keys(schema.entries), name);
  const result = v.safeParse(schema, input ?? {});
  if (result.success) return result.output;
  const field = issueField(result.issues).replace(/\.\d+$/, '');
  throw new ConfigError(`${name}.${field}`, result.issues[0]?.message ?? 'invalid');
}
