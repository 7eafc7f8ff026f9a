/** A provider for an ESP that signs with Standard Webhooks (Resend, Loops): options, verifier, parse. */

import * as v from 'valibot';
import { ConfigError, type HttpError, isHttpError } from '../errors.js';
import type { EmailTrackingContext } from '../events.js';
import type { Logger } from '../log.js';
import type { OptionsInput } from '../schema.js';
import { parseJsonBody } from './body-text.js';
import { warnCheckOff } from './check-off.js';
import { digestEventId } from './context.js';
import { commonEntries, maxAgeSeconds, parseProviderOptions, secretList } from './options.js';
import { postProvider } from './post-provider.js';
import type { BuiltinProvider } from './registry-types.js';
import { requireSignatureHeader } from './signature-header.js';
import {
  createStandardWebhooksVerifier,
  decodeStandardWebhooksSecret,
  NO_SIGNATURE_HEADER,
  type StandardWebhooksVerifier,
  standardWebhooksHeader,
} from './standard-webhooks.js';
import {
  NO_EVENTS,
  type Provider,
  type ProviderContext,
  type ProviderInstance,
  type ProviderResult,
} from './types.js';

/** What a parser makes of one verified event: contexts, or why there are none. */
export type StandardWebhooksParseResult =
  | { readonly kind: 'events'; readonly events: EmailTrackingContext[] }
  | { readonly kind: 'ignored'; readonly note: string; readonly warn: boolean };

export interface StandardWebhooksProviderSpec {
  /** kebab-case name: espName, default path, `<name>:` of digest ids. */
  readonly name: string;
  /** The ESP as people write it, for log lines. */
  readonly label: string;
  /** Where the user finds the secret ("the Resend webhook page"). */
  readonly secretFrom: string;
  /**
   * One parsed JSON body → contexts; `eventId` is the verified `webhook-id` (`svix-id`); `logger`
   * takes warnings about the sender's own fields (a bad `X-Metadata` header).
   */
  parse(json: unknown, eventId: string, logger: Logger): StandardWebhooksParseResult | HttpError;
}

/** The options every Standard Webhooks provider takes: `secret` (lists rotate), `maxAgeSeconds`. */
export const standardWebhooksOptionsSchema = (secretFrom: string) =>
  v.object({
    ...commonEntries,
    secret: v.optional(
      v.pipe(
        secretList('signing secret'),
        v.check(
          (secrets) => secrets.every((s) => decodeStandardWebhooksSecret(s) !== undefined),
          `expected the signing secret from ${secretFrom}: whsec_ followed by base64`,
        ),
      ),
    ),
    maxAgeSeconds: maxAgeSeconds(300),
  });

type Schema = ReturnType<typeof standardWebhooksOptionsSchema>;
/** Options of a Standard Webhooks provider: `secret` is required unless `verifySignature` is false. */
export type StandardWebhooksProviderOptions = OptionsInput<Schema>;
type Resolved = v.InferOutput<Schema>;

/** The event id when signatures are off: the header if sent, else a digest of the body. */
async function _unverifiedId(name: string, request: Request, body: Uint8Array): Promise<string> {
  const header = standardWebhooksHeader(request.headers, 'id');
  return header || digestEventId(name, body);
}

function _start(
  spec: StandardWebhooksProviderSpec,
  o: Resolved,
  context: ProviderContext,
): ProviderInstance {
  const { logger } = context;
  const esp = spec.name;
  let verify: StandardWebhooksVerifier | undefined;
  if (o.verifySignature && o.secret) {
    verify = createStandardWebhooksVerifier({ ...o, ...context, secrets: o.secret });
  } else {
    warnCheckOff(logger, `${spec.label} signature verification`, esp);
  }
  return {
    authenticate:
      verify &&
      requireSignatureHeader(['webhook-signature', 'svix-signature'], NO_SIGNATURE_HEADER),
    async handle(request, body): Promise<ProviderResult | HttpError> {
      let eventId: string;
      if (verify) {
        const verified = await verify(request.headers, body);
        if (isHttpError(verified)) return verified;
        eventId = verified.id;
      } else {
        eventId = await _unverifiedId(esp, request, body);
      }
      const json = parseJsonBody(body);
      if (isHttpError(json)) return json;
      const result = spec.parse(json, eventId, logger);
      if (isHttpError(result)) return result;
      if (result.kind === 'events') return { events: result.events };
      const fields = { esp, eventId, note: result.note };
      if (result.warn) logger.warn(`not a ${spec.label} event; nothing to deliver`, fields);
      else logger.info(`${spec.label} event carries no tracking event; nothing to deliver`, fields);
      return NO_EVENTS;
    },
  };
}

/** The factory of a Standard Webhooks ESP. */
export function standardWebhooksProvider(spec: StandardWebhooksProviderSpec) {
  const schema = standardWebhooksOptionsSchema(spec.secretFrom);
  const create = (options: StandardWebhooksProviderOptions = {}): Provider => {
    const o = parseProviderOptions(spec.name, schema, options);
    if (o.verifySignature && !o.secret) {
      throw new ConfigError(
        `${spec.name}.secret`,
        `required: the signing secret (whsec_...) from ${spec.secretFrom}`,
      );
    }
    return postProvider(spec.name, o.path, (context) => _start(spec, o, context));
  };
  return create;
}

/** The registry entry of a Standard Webhooks ESP: its factory and how its variables are read. */
export const standardWebhooksEntry = (
  name: string,
  create: (options?: StandardWebhooksProviderOptions) => Provider,
): BuiltinProvider => ({ name, create, settings: { secret: 'secret', maxAgeSeconds: 'number' } });
