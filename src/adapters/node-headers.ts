/** A fetch `Headers` over a Node request's raw headers, read without building one (srvx's model). */

// A header name as fetch accepts it (RFC 9110 token); only asked of a name that matched nothing.
const _TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

// Leading and trailing HTTP whitespace, which fetch strips from every value.
const _EDGE_SPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;

const _UPPER = /[A-Z]/;

const _isSpace = (code: number) => code === 32 || code === 9 || code === 10 || code === 13;

function _normalized(value: string): string {
  if (value === '') return value;
  return _isSpace(value.charCodeAt(0)) || _isSpace(value.charCodeAt(value.length - 1))
    ? value.replace(_EDGE_SPACE, '')
    : value;
}

// Everything but get and has: served by a real Headers, built the first time one is used.
const _DELEGATED: (string | symbol)[] = [
  'append',
  'delete',
  'set',
  'forEach',
  'entries',
  'keys',
  'values',
  'getSetCookie',
  Symbol.iterator,
  Symbol.for('nodejs.util.inspect.custom'),
];

/**
 * undici's `Headers` validates and copies every header of every request; the core reads a few
 * of them (host, content-length, the ESP's own). This one answers `get` and `has` from Node's
 * `rawHeaders` as fetch would (case-insensitive, duplicates joined with ", ", values trimmed),
 * and hands everything else, mutation included, to a real `Headers` made once.
 */
export class _NodeHeaders {
  readonly #raw: readonly string[];
  #full: Headers | undefined;

  constructor(raw: readonly string[]) {
    this.#raw = raw;
  }
  get(name: string): string | null {
    if (this.#full) return this.#full.get(name);
    // Lowered only when not lower case already (toLowerCase copies even then): the core asks in
    // lower case, and most clients send lower-case names.
    const asked = String(name);
    const wanted = _UPPER.test(asked) ? asked.toLowerCase() : asked;
    const raw = this.#raw;
    let found: string | null = null;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const key = raw[i] as string;
      if (key.length !== wanted.length || (key !== wanted && key.toLowerCase() !== wanted)) {
        continue;
      }
      const value = _normalized(raw[i + 1] as string);
      found = found === null ? value : `${found}, ${value}`;
    }
    // A name fetch refuses throws there, as it would here.
    if (found === null && !_TOKEN.test(wanted)) return this._full().get(name);
    return found;
  }
  has(name: string): boolean {
    return this.get(name) !== null;
  }
  /** The real Headers, made once; every read and write goes to it from then on. */
  _full(): Headers {
    if (!this.#full) {
      const headers = new Headers();
      const raw = this.#raw;
      for (let i = 0; i + 1 < raw.length; i += 2) {
        headers.append(raw[i] as string, raw[i + 1] as string);
      }
      this.#full = headers;
    }
    return this.#full;
  }
}
for (const key of _DELEGATED) {
  Object.defineProperty(_NodeHeaders.prototype, key, {
    value(this: _NodeHeaders, ...args: unknown[]) {
      const full = this._full() as unknown as Record<string | symbol, (...a: unknown[]) => unknown>;
      return full[key]?.apply(full, args);
    },
  });
}
// `headers instanceof Headers` holds, as for the Headers it stands for.
Object.setPrototypeOf(_NodeHeaders.prototype, Headers.prototype);
