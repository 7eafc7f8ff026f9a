/** Argument parsing with `util.parseArgs`: every mistake a `UsageError`. */
/// <reference types="node" preserve="true" />
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { parseUrl } from '../parse-url.js';
import { didYouMean } from '../suggest.js';
import { UsageError } from './usage.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The flags of `T` as parsed: booleans and strings, absent when not given. */
export type ParsedFlags<T extends Options> = {
  [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string;
};

/** Parses `argv` strictly (unknown flags and missing values are usage errors). */
export function parseCommand<T extends Options>(
  argv: readonly string[],
  options: T,
): { values: ParsedFlags<T>; positionals: string[] } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (error) {
    // Node's own text for an unknown flag advises a `--` nobody needs here, in unbalanced quotes.
    const { code, message } = error as { code?: unknown; message: string };
    const flag =
      code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /'([^']*)'/.exec(message)?.[1] : undefined;
    if (flag === undefined) throw new UsageError(message);
    // A typo is named with the flag it likely meant: never taken as another, never ignored.
    const known = Object.keys(options).map((name) => `--${name}`);
    throw new UsageError(`unknown option ${flag}${didYouMean(flag, known)}`);
  }
  // parseArgs keeps the last of a repeated value flag: `--recipients a --recipients b` would send to b
  // alone, `--to` twice to one of them. Said, never its value (it may be a secret).
  const seen = new Set<string>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== 'option' || token.value === undefined) continue;
    if (seen.has(token.name)) throw new UsageError(`--${token.name} is given twice`);
    seen.add(token.name);
  }
  return parsed as unknown as { values: ParsedFlags<T>; positionals: string[] };
}

/**
 * `--to`: required, an http(s) URL without `user:password@` (it would end up in error messages
 * and the receiver's logs); `credentials` says what to use instead. A query is allowed (some
 * receivers read one) but never printed: output shows the URL with `showUrl`. Messages never
 * repeat the URL.
 */
export function targetUrl(to: string | undefined, credentials: string): string {
  if (to === undefined) throw new UsageError('--to <url> is required');
  // `localhost:8787/…` parses, with `localhost:` as its scheme: one message for every URL
  // that does not start as an http(s) one, saying how it should.
  const url = parseUrl(to);
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new UsageError('--to must be an absolute URL starting with http:// or https://');
  }
  if (url.username !== '' || url.password !== '') {
    throw new UsageError(`--to must not carry credentials (user:password@); ${credentials}`);
  }
  return to;
}

export const DEFAULT_RECIPIENT = 'recipient@example.com';

/** `--recipients a@x,b@y`: each an address; the default one when absent. */
export function recipientList(text: string | undefined): string[] {
  if (text === undefined) return [DEFAULT_RECIPIENT];
  const list = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (list.length === 0) throw new UsageError('--recipients lists no address');
  const bad = list.find((address) => !/^[^\s@]+@[^\s@]+$/.test(address));
  if (bad !== undefined) throw new UsageError(`--recipients: "${bad}" is not an email address`);
  return list;
}

// A header value fetch can send (tab, visible ASCII, space, obs-text): anything else fails the
// request with an error that quotes the value, a secret here.
const _HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** `value` of the credential flag `--flag` when an HTTP header can carry it; never repeated. */
export function headerValue(flag: string, value: string): string {
  if (!_HEADER_VALUE.test(value)) {
    throw new UsageError(
      `--${flag} holds a line break or another character an HTTP header cannot carry`,
    );
  }
  return value;
}

/** `--header 'Name: value'` as its name and value. */
export function headerFlag(text: string | undefined) {
  if (text === undefined) return undefined;
  const colon = text.indexOf(':');
  const name = colon > 0 ? text.slice(0, colon).trim() : '';
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    throw new UsageError("--header must be 'Name: value'");
  }
  return { name, value: headerValue('header', text.slice(colon + 1).trim()) };
}
