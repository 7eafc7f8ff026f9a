/** A provider for an ESP that signs nothing: its shared secret is checked before the body is read. */

import * as v from 'valibot';
import type { SharedSecret } from '../auth.js';
import type { OptionsInput } from '../schema.js';
import { warnCheckOff } from './check-off.js';
import { commonEntries, parseProviderOptions } from './options.js';
import { postProvider } from './post-provider.js';
import type { BuiltinProvider } from './registry-types.js';
import { sharedSecretAuth, sharedSecretEntries, sharedSecretSettings } from './shared-secret.js';
import type {
  Provider,
  ProviderContext,
  ProviderInstance,
  ProviderResult,
  Refusal,
} from './types.js';

const SharedSecretOptionsSchema = v.object({ ...commonEntries, ...sharedSecretEntries });

/** Options of a shared-secret provider: `password` (or `token`, or `header` + `value`) unless `verifySignature: false`. */
export type SharedSecretOptions = OptionsInput<typeof SharedSecretOptionsSchema>;

/** What the provider does with a request whose credentials passed. */
export type BodyHandler = (
  body: Uint8Array,
  context: ProviderContext,
) => Promise<ProviderResult | Refusal>;

/** Parsed options with a shared secret: what `sharedSecretProviderOf` needs of them. */
export type SharedSecretResolved = SharedSecret & {
  readonly path?: string | undefined;
  readonly verifySignature: boolean;
};

/**
 * Builds the provider from parsed options: at least one credential required (unless
 * `verifySignature: false`, which start-up warns about), `POST` only.
 * @param label the ESP as people write it, for the warning
 */
export function sharedSecretProviderOf(
  name: string,
  label: string,
  o: SharedSecretResolved,
  handle: BodyHandler,
): Provider {
  // Checked either way, so a half-set header/value pair is refused even with the check off.
  const check = sharedSecretAuth(name, o, o.verifySignature);
  const authenticate = o.verifySignature ? check : undefined;
  return postProvider(name, o.path, (context) => {
    if (!authenticate) {
      warnCheckOff(context.logger, `${label} credential check`, name);
    }
    const instance: ProviderInstance = { handle: (_request, body) => handle(body, context) };
    return authenticate ? { ...instance, authenticate } : instance;
  });
}

/** The same, with the options parsed strictly against the shared-secret schema. */
export const sharedSecretProvider = (
  name: string,
  label: string,
  options: unknown,
  handle: BodyHandler,
): Provider =>
  sharedSecretProviderOf(
    name,
    label,
    parseProviderOptions(name, SharedSecretOptionsSchema, options),
    handle,
  );

/** The registry entry of such a provider: its factory, and the shared-secret variables. */
export const sharedSecretEntry = (
  name: string,
  create: (options?: SharedSecretOptions) => Provider,
): BuiltinProvider => ({ name, create, settings: { ...sharedSecretSettings } });
