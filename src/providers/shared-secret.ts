/** The shared-secret settings of ESPs that sign nothing: Basic, bearer, or a custom header. */
import * as v from 'valibot';
import { checkSharedSecret, hasSharedSecret, type SharedSecret } from '../auth.js';
import { ConfigError } from '../errors.js';
import { string } from '../schema.js';
import { secretList } from './options.js';
import type { Refusal } from './types.js';

/**
 * What `Authorization: Bearer <token>` can carry and `bearerToken` reads back: visible ASCII and
 * the bytes past it (obs-text), but no control character and no U+00A0, which a JavaScript `\s`
 * takes for a space. A configured token outside it could never match.
 */
export const BEARER_TOKEN = /^[!-~\x80-\x9f\xa1-\xff]+$/;

/** Why a token outside `BEARER_TOKEN` is refused (the handler's `apiToken` too). */
export const BEARER_TOKEN_RULE =
  'must hold no spaces, line breaks or characters an HTTP header cannot carry';

// A header value as a request can carry it: tab, space, visible ASCII and obs-text, the outer
// spaces and tabs trimmed by every HTTP parser.
const _HEADER_VALUE = /^[!-~\x80-\xff](?:[\t -~\x80-\xff]*[!-~\x80-\xff])?$/;

/** Option entries: `password` (+ `username`), `token`, `header` + `value`. */
export const sharedSecretEntries = {
  password: v.optional(secretList('password')),
  username: v.optional(
    v.pipe(
      string(),
      // HTTP Basic splits user and password at the first colon: such a name could never match.
      v.check((name) => /^[^:]+$/.test(name), 'the username must not be empty or hold a colon'),
    ),
  ),
  token: v.optional(
    v.pipe(
      secretList('token'),
      v.check(
        (tokens) => tokens.every((token) => BEARER_TOKEN.test(token)),
        `the token ${BEARER_TOKEN_RULE}`,
      ),
    ),
  ),
  header: v.optional(
    v.pipe(
      string(),
      v.check((name) => /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name), 'expected a header name'),
    ),
  ),
  value: v.optional(
    v.pipe(
      secretList('header value'),
      // A header arrives trimmed and carries no control character or character past U+00FF:
      // such a value could never match.
      v.check(
        (values) => values.every((value) => _HEADER_VALUE.test(value)),
        'the value must hold no outer spaces, line breaks or characters an HTTP header cannot carry',
      ),
    ),
  ),
};

/** Env kinds of those entries, for the variables reader. */
export const sharedSecretSettings = {
  password: 'secret',
  username: 'string',
  token: 'secret',
  header: 'string',
  value: 'secret',
} as const;

/**
 * Checks that at least one kind is configured (and `header` comes with `value`), then returns
 * the request check. `required: false` lets a provider run without one (local trials).
 */
export function sharedSecretAuth(
  name: string,
  secret: SharedSecret,
  required: boolean,
): ((request: Request) => Promise<Refusal | undefined>) | undefined {
  if (Boolean(secret.header) !== Boolean(secret.value?.length)) {
    throw new ConfigError(
      `${name}.${secret.header ? 'value' : 'header'}`,
      'header and value go together',
    );
  }
  if (!hasSharedSecret(secret)) {
    if (required) {
      throw new ConfigError(
        `${name}.password`,
        'is required (or token, or header with value): this ESP signs nothing, so a shared secret is what proves the sender',
      );
    }
    return undefined;
  }
  return (request) => checkSharedSecret(request, secret, 'mailhooks');
}
