/** The schema helpers that stand in for valibot's own kinds give what those kinds give. */
import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import { TRACKING_EVENT_TYPES } from '../../src/events.js';
import { AT_LEAST_ONE, issueField, nonEmpty, picklist, record, union } from '../../src/schema.js';

/** What a user can see of a parse: success, output, and the first issue's field and message. */
function seen(schema: v.GenericSchema, input: unknown) {
  const result = v.safeParse(schema, input);
  if (result.success) return { output: result.output };
  const [first] = result.issues;
  // issueField is valibot's getDotPath, `(root)` for none.
  expect(issueField(result.issues)).toBe(v.getDotPath(first) || '(root)');
  return {
    field: issueField(result.issues),
    message: first.message,
    received: first.received,
    count: result.issues.length,
  };
}

function withProto(key: string, value: unknown): object {
  const object = JSON.parse('{"a":"x"}');
  Object.defineProperty(object, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return object;
}

const INPUTS: unknown[] = [
  undefined,
  null,
  0,
  '',
  'text',
  true,
  [],
  ['a', 'b'],
  [['a']],
  {},
  { a: 'x', b: 'y' },
  { a: 1 },
  { a: 'x', b: 2, c: null },
  { a: ['x'], b: ['y', 'z'] },
  { a: ['x', 3] },
  { a: 'x', '': 4 },
  { '': ['x', 4] },
  { toString: 'x', hasOwnProperty: 5 },
  withProto('__proto__', 5),
  withProto('constructor', ['x']),
  withProto('prototype', 'x'),
  Object.create({ inherited: 1 }),
  new Date(0),
];

describe('record', () => {
  for (const [name, value] of [
    ['string', v.string()],
    ['array of strings', v.array(v.string())],
  ] as const) {
    test(`record(${name}) is valibot's record(v.string(), ${name})`, () => {
      for (const input of INPUTS) {
        expect(seen(record(value), input), JSON.stringify(input)).toEqual(
          seen(v.record(v.string(), value), input),
        );
      }
    });
  }

  test("looseObject({}) is valibot's record(v.string(), v.unknown())", () => {
    for (const input of INPUTS) {
      expect(seen(v.looseObject({}), input), JSON.stringify(input)).toEqual(
        seen(v.record(v.string(), v.unknown()), input),
      );
    }
  });

  test('nested, the path goes through the key', () => {
    const schema = (value: v.GenericSchema) => v.object({ tags: v.optional(value) });
    for (const tags of INPUTS) {
      expect(seen(schema(record(v.array(v.string()))), { tags })).toEqual(
        seen(schema(v.record(v.string(), v.array(v.string()))), { tags }),
      );
    }
    expect(seen(schema(record(v.array(v.string()))), { tags: { a: ['x', 3] } })).toMatchObject({
      field: 'tags.a.1',
      message: 'Invalid type: Expected string but received 3',
    });
  });
});

describe('union', () => {
  const str = v.string();
  /** Every option list a union is given in src/, as a function so each side gets its own. */
  const OPTIONS: [string, () => v.GenericSchema[], string?][] = [
    ['number | string', () => [v.number(), v.string()]],
    ['string | number', () => [v.string(), v.number()]],
    ['string | string[]', () => [v.string(), v.array(v.string())]],
    [
      'a non-empty string or list of them',
      () => [
        v.pipe(str, nonEmpty()),
        v.pipe(v.array(v.pipe(str, nonEmpty())), nonEmpty(AT_LEAST_ONE)),
      ],
    ],
    [
      'a secret or a list of them',
      () => [
        v.pipe(v.string(), nonEmpty('the secret must not be empty')),
        v.pipe(
          v.array(v.pipe(v.string(), nonEmpty('the secret must not be empty'))),
          nonEmpty('expected at least one secret'),
        ),
      ],
      'expected a secret (a string) or a list of them',
    ],
    ['tag pairs or a tag object', () => [v.array(v.looseObject({ name: str })), v.looseObject({})]],
    [
      'an empty list or an object',
      () => [v.array(v.unknown()), v.looseObject({ a: v.optional(v.nullable(v.string())) })],
    ],
  ];
  const inputs: unknown[] = [
    ...INPUTS,
    NaN,
    1.5,
    [''],
    ['a', ''],
    ['a', 1],
    ['', 1],
    [{ name: 'a', value: 1 }],
    [{ name: 'a' }, { name: 2 }],
    [{ value: 1 }],
    { a: 1, b: 'x' },
  ];
  for (const [name, options, message] of OPTIONS) {
    test(`${name}: as valibot's union`, () => {
      for (const [index, input] of inputs.entries()) {
        const wrapped = (schema: v.GenericSchema) => v.object({ field: schema });
        expect(
          seen(wrapped(union(options(), message)), { field: input }),
          `input ${index}`,
        ).toEqual(seen(wrapped(v.union(options(), message)), { field: input }));
      }
    });
  }
});

describe('picklist', () => {
  for (const options of [
    TRACKING_EVENT_TYPES,
    ['Notification'],
    ['SubscriptionConfirmation', 'UnsubscribeConfirmation'],
  ] as const) {
    test(`${options.join(', ')}: as valibot's picklist`, () => {
      for (const [index, input] of [
        ...INPUTS,
        ...options,
        'Sent',
        'unknown',
        'Notifications',
      ].entries()) {
        const wrapped = (schema: v.GenericSchema) => v.object({ field: v.nullable(schema) });
        expect(seen(wrapped(picklist(options)), { field: input }), `input ${index}`).toEqual(
          seen(wrapped(v.picklist(options)), { field: input }),
        );
      }
    });
  }
});
