/** Shared valibot helpers: run a schema and turn its first issue into an error naming the field. */
import * as v from 'valibot';
import { badRequest, ConfigError, type HttpError } from './errors.js';

/** Assigns as `Object.defineProperty` does: a key such as `__proto__` stays an ordinary own key. */
export function setOwn(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/**
 * The dotted path of the first issue (`mail.messageId`), or `(root)`: valibot's `getDotPath`,
 * whose keys here are always strings or numbers, without its code in every Worker.
 */
export function issueField(issues: readonly v.BaseIssue<unknown>[]): string {
  let field = '';
  for (const item of issues[0]?.path ?? []) field = field ? `${field}.${item.key}` : `${item.key}`;
  return field || '(root)';
}

/**
 * Parses `input` with `schema`; on failure returns a 400 whose message names the field.
 * @param what what the input is, for the message ("SNS envelope", "SES event")
 */
export function parseOr400<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  reason: string,
  what: string,
): v.InferOutput<S> | HttpError {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const { field, detail } = describeIssue(result.issues);
  return badRequest(reason, `${what} field "${field}" ${detail}`);
}

const _MAX_MESSAGE = 200;

/** The first issue as a field path and "is missing" / "is invalid (…)". */
export function describeIssue(issues: readonly v.BaseIssue<unknown>[]): {
  field: string;
  detail: string;
} {
  const issue = issues[0];
  // valibot's messages quote the value received: a long one is cut, the answer stays readable.
  const detail =
    issue?.received === 'undefined'
      ? 'is missing'
      : `is invalid (${issue?.message.slice(0, _MAX_MESSAGE)})`;
  return { field: issueField(issues), detail };
}

/**
 * The options a schema takes, as a user writes them: a list may be readonly (a constant written
 * `as const`, a `readonly string[]`), where valibot's input type asks for a mutable array.
 */
export type OptionsInput<S extends v.GenericSchema> = {
  [K in keyof v.InferInput<S>]: _ReadonlyList<v.InferInput<S>[K]>;
};
type _ReadonlyList<T> = T extends (infer E)[] ? readonly E[] : T;

/** Parses options with `schema`; throws a `ConfigError` naming the option on failure. */
export function parseOptions<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  throw new ConfigError(issueField(result.issues), result.issues[0]?.message ?? 'invalid');
}

/**
 * A whole number of at least `min`: valibot's number, integer and minValue, as checks (two
 * valibot actions fewer in every Worker); below `min`, worded as the 600000 cap of `milliseconds`.
 */
export const wholeNumber = (min: number, minMessage?: string) =>
  v.pipe(
    number(),
    v.check(
      (value: number) => Number.isInteger(value),
      (issue) => `Invalid integer: Received ${issue.received}`,
    ),
    v.check(
      (value) => value >= min,
      minMessage ?? ((issue) => `expected at least ${min}, got ${issue.received}`),
    ),
  );

/**
 * A duration in milliseconds, 1 to 600000 (ten minutes): past 2^31 - 1 a timer fires at once, so
 * every wait is bounded well below it.
 */
export const milliseconds = (minMessage?: string) =>
  v.pipe(wholeNumber(1, minMessage), atMost(600_000));

/** valibot's `maxValue`, worded `expected at most <max>`, as a check: one valibot action fewer in every Worker. */
export const atMost = (max: number) =>
  v.check((value: number) => value <= max, `expected at most ${max}`);

/** valibot's message for `minLength(1)`, given to a `nonEmpty` that stands in for it. */
export const AT_LEAST_ONE = 'Invalid length: Expected >=1 but received 0';

/**
 * valibot's `nonEmpty`, with the message it gives (`Invalid length: Expected !0 but received 0`),
 * but as a check: one valibot action fewer in every Worker.
 */
export const nonEmpty = <T extends { length: number }>(
  message = 'Invalid length: Expected !0 but received 0',
) => v.check<T, string>((value) => value.length > 0, message);

/**
 * `nonEmpty` for text, with its message: a string of only blanks fails as an empty one does (a
 * secret template that filled in nothing; a recipient `'  '`, which is a missing one).
 */
export const hasText = (message = 'Invalid length: Expected !0 but received 0') =>
  v.check<string, string>((value) => /\S/.test(value), message);

/** A dataset as a schema's `~run` fills it, its issues' paths writable. */
type _Dataset = { typed: boolean; value: unknown; issues?: { path?: unknown[] }[] };

/**
 * valibot's `record(v.string(), value)`, as `looseObject({})` (the same copy of every own key but
 * `__proto__`, `constructor` and `prototype`, the same `Expected Object` issue) with each value
 * run through `value`, its issues under the key: one valibot schema fewer in every Worker. For
 * `record(v.string(), v.unknown())`, `v.looseObject({})` alone. (Its `~standard` is the loose
 * object's: nothing here reads it, and no schema is exported.)
 */
export function record<T extends v.GenericSchema>(
  value: T,
): v.GenericSchema<Record<string, v.InferInput<T>>, Record<string, v.InferOutput<T>>> {
  const copy = v.looseObject({});
  return {
    ...copy,
    '~run'(dataset: _Dataset, config: v.Config<v.BaseIssue<unknown>>) {
      const input = dataset.value;
      copy['~run'](dataset as v.UnknownDataset, config);
      const output = dataset.value as Record<string, unknown>;
      if (dataset.typed) {
        for (const key in output) {
          const entry = value['~run']({ value: output[key] }, config) as _Dataset;
          if (entry.issues) {
            const item = { type: 'object', origin: 'value', input, key, value: output[key] };
            // Appended in place, one by one: a copy per bad key made many bad keys quadratic,
            // and push(...issues) throws past some 100,000 arguments.
            dataset.issues ??= [];
            for (const issue of entry.issues) {
              issue.path = [item, ...(issue.path ?? [])];
              dataset.issues.push(issue);
            }
          }
          if (!entry.typed) dataset.typed = false;
          output[key] = entry.value;
        }
      }
      return dataset;
    },
  } as unknown as v.GenericSchema<
    Record<string, v.InferInput<T>>,
    Record<string, v.InferOutput<T>>
  >;
}

/**
 * valibot's `union` of two or more options, none of which an input can fail with issues once an
 * earlier option took its type (each input is typed by one option, or typed by an earlier one
 * only when that one takes it whole): the first option to type the input gives its result,
 * issues and all; when none does, the union's own issue (`Expected (a | b) but received …`, or
 * `message`). One valibot schema fewer in every Worker.
 */
export function union<const T extends readonly v.GenericSchema[]>(
  options: T,
  message?: string,
): v.GenericSchema<v.InferInput<T[number]>, v.InferOutput<T[number]>> {
  const refuse = v.custom(() => false, message);
  return {
    ...refuse,
    expects: `(${options.map((option) => option.expects).join(' | ')})`,
    '~run'(dataset: v.UnknownDataset, config: v.Config<v.BaseIssue<unknown>>) {
      for (const option of options) {
        const result = option['~run']({ value: dataset.value }, config);
        if (result.typed) return result;
      }
      // The custom schema's run, its check always false: the issue, with this `expects`.
      return refuse['~run'].call(this as typeof refuse, dataset, config);
    },
  } as unknown as v.GenericSchema<v.InferInput<T[number]>, v.InferOutput<T[number]>>;
}

/**
 * A custom schema with another schema's `expects`, so the same issue as that schema's
 * (`Invalid type: Expected string but received 5`) without its code in every Worker.
 */
const _expecting = <T>(expects: string, is: (input: unknown) => boolean) => ({
  ...v.custom<T>(is),
  expects,
});

/** valibot's `string`: one valibot schema fewer in every Worker. */
export const string = () => _expecting<string>('string', (input) => typeof input === 'string');

/** valibot's `number`, which refuses NaN: one valibot schema fewer in every Worker. */
export const number = () =>
  _expecting<number>('number', (input) => typeof input === 'number' && !Number.isNaN(input));

/** valibot's `boolean`: one valibot schema fewer in every Worker. */
export const boolean = () => _expecting<boolean>('boolean', (input) => typeof input === 'boolean');

/** A string, null or absent: how ESPs send the text fields they may leave out. */
export const optionalString = v.optional(v.nullable(string()));

/**
 * valibot's `picklist` of strings, with picklist's `expects`, so the same issue
 * (`Invalid type: Expected ("a" | "b") but received "c"`). One valibot schema fewer in every Worker.
 */
export function picklist<const T extends readonly string[]>(options: T) {
  const list = options.map((option) => `"${option}"`).join(' | ');
  return _expecting<T[number]>(options.length > 1 ? `(${list})` : list, (input) =>
    options.includes(input as T[number]),
  );
}

/** A schema for a function option (fetch, now, sleep…). */
export const functionSchema = <T>(what: string) =>
  v.custom<T>((value) => typeof value === 'function', `expected ${what}`);

/**
 * valibot's `transform`: the same action to a pipe (its `kind` is what a pipe reads), without
 * the fields nothing here reads. One valibot action fewer in every Worker.
 */
export const transform = <I, O>(operation: (input: I) => O) =>
  ({
    kind: 'transformation',
    '~run'(dataset: { value: unknown }) {
      dataset.value = operation(dataset.value as I);
      return dataset;
    },
  }) as unknown as v.TransformAction<I, O>;
