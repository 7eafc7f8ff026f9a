/** Thrown values nothing can read: a name, message, reason or text that throws when read. */

const _throwing = (what: string) => () => {
  throw new Error(`no ${what}`);
};

/** Each named, made fresh per call; every one of them throws on the read a log line would make. */
export const UNREADABLE: Readonly<Record<string, () => unknown>> = {
  'an Error whose message getter throws': () =>
    Object.defineProperty(new Error('x'), 'message', { get: _throwing('message') }),
  'a value whose toString throws': () => ({ toString: _throwing('text') }),
  'an object whose reason getter throws': () =>
    Object.defineProperty({}, 'reason', { get: _throwing('reason'), enumerable: true }),
  'a proxy that throws on every read': () =>
    new Proxy({}, { get: _throwing('property'), getPrototypeOf: _throwing('prototype') }),
};

/** The `[name, make]` pairs of `names`, for `test.each`. */
export const unreadable = (
  ...names: (keyof typeof UNREADABLE & string)[]
): [string, () => unknown][] => names.map((name) => [name, UNREADABLE[name] as () => unknown]);
