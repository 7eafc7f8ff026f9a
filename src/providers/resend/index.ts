/** Resend: verify the Svix (Standard Webhooks) signature over the raw body, then parse the event. */
import * as v from 'valibot';
import { ConfigError, type HttpError, isHttpError } from '../../errors.js';
import { parseJsonBody } from '../body-text.js';
import { digestEventId } from '../context.js';
import { commonEntries, maxAgeSeconds, parseProviderOptions, secretList } from '../options.js';
import type { BuiltinProvider } from '../registry-types.js';
import {
  createStandardWebhooksVerifier,
  decodeStandardWebhooksSecret,
  type StandardWebhooksVerifier,
} from '../standard-webhooks.js';
import type { Provider, ProviderContext, ProviderInstance, ProviderResult } from '../types.js';
import { parseResendEvent } from './parse.js';

const NAME = 'resend';
const NO_EVENTS: ProviderResult = { events: [] };

const ResendOptionsSchema = v.object({
  ...commonEntries,
  secret: v.optional(
    v.pipe(
      secretList('signing secret'),
      v.check(
        (secrets) => secrets.every((s) => decodeStandardWebhooksSecret(s) !== undefined),
        'expected the signing secret from the Resend webhook page: whsec_ followed by base64',
      ),
    ),
  ),
  maxAgeSeconds: maxAgeSeconds(300),
});

/** Options of `resend()`: `secret` is required unless `verifySignature` is false. */
export type ResendOptions = v.InferInput<typeof ResendOptionsSchema>;
type Resolved = v.InferOutput<typeof ResendOptionsSchema>;

/** The event id when signatures are off: the header if sent, else a digest of the body. */
async function _unverifiedId(request: Request, body: Uint8Array): Promise<string> {
  const header = request.headers.get('webhook-id') ?? request.headers.get('svix-id');
  return header || digestEventId(NAME, body);
}

function _start(o: Resolved, context: ProviderContext): ProviderInstance {
  const { logger } = context;
  let verify: StandardWebhooksVerifier | undefined;
  if (o.verifySignature && o.secret) {
    verify = createStandardWebhooksVerifier({
      secrets: o.secret,
      maxAgeSeconds: o.maxAgeSeconds,
      now: context.now,
    });
  } else {
    logger.warn(
      'Resend signature verification is OFF: anyone who can reach this endpoint can post events',
      { esp: NAME },
    );
  }

  return {
    async handle(request, body): Promise<ProviderResult | HttpError> {
      let eventId: string;
      if (verify) {
        const verified = await verify(request.headers, body);
        if (isHttpError(verified)) return verified;
        eventId = verified.id;
      } else {
        eventId = await _unverifiedId(request, body);
      }
      const json = parseJsonBody(body);
      if (isHttpError(json)) return json;
      const result = parseResendEvent(json, eventId);
      if (isHttpError(result)) return result;
      if (result.kind === 'events') return { events: result.events };
      const fields = { esp: NAME, eventId, note: result.note };
      if (result.warn) logger.warn('not a Resend event; nothing to deliver', fields);
      else logger.info('Resend event carries no tracking event; nothing to deliver', fields);
      return NO_EVENTS;
    },
  };
}

/**
 * Resend's webhooks (delivered by Svix), at `POST {basePath}/resend` by default.
 * @param options.secret the endpoint's signing secret (`whsec_...`), or a list while rotating
 * @example
 * createMailWebhookHandler({ providers: [resend({ secret: 'whsec_...' })] });
 */
export function resend(options: ResendOptions = {}): Provider {
  const o = parseProviderOptions(NAME, ResendOptionsSchema, options);
  if (o.verifySignature && !o.secret) {
    throw new ConfigError(
      `${NAME}.secret`,
      'required: the signing secret (whsec_...) from the Resend webhook page',
    );
  }
  return {
    name: NAME,
    path: o.path ?? NAME,
    methods: ['POST'],
    start: (context) => _start(o, context),
  };
}

/** The registry entry: the factory and how its variables are read. */
export const resendProvider: BuiltinProvider = {
  name: NAME,
  create: resend,
  settings: { secret: 'secret', maxAgeSeconds: 'number' },
};
