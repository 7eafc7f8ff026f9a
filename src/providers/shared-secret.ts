/** The shared-secret settings of ESPs that sign nothing: Basic, bearer, or a custom header. */
import * as v from 'valibot';
import { checkSharedSecret, hasSharedSecret, type SharedSecret } from '../auth.js';
import { ConfigError } from '../errors.js';
import { secretList } from './options.js';
import type { Refusal } from './types.js';

/** Option entries: `password` (+ `username`), `token`, `header` + `value`. */
export const sharedSecretEntries = {
  password: v.optional(secretList('password')),
  username: v.optional(
    v.pipe(
      v.string(),
      // HTTP Basic splits user and password at the first colon: such a name could never match.
      v.check((name) => /^[^:]+$/.test(name), 'the username must not be empty or hold a colon'),
    ),
  ),
  token: v.optional(
    v.pipe(
      secretList('token'),
      // `Authorization: Bearer <token>` carries no whitespace: such a token could never match.
      v.check(
        (tokens) => tokens.every((token) => /^\S+$/.test(token)),
        'the token must hold no spaces or line breaks',
      ),
    ),
  ),
  header: v.optional(
    v.pipe(
      v.string(),
      v.check((name) => /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name), 'expected a header name'),
    ),
  ),
  value: v.optional(
    v.pipe(
      secretList('header value'),
      // A header arrives trimmed and carries no line break: such a value could never match.
      v.check(
        (values) => values.every((value) => /^\S(.*\S)?$/.test(value)),
        'the value must hold no line breaks or outer spaces',
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
