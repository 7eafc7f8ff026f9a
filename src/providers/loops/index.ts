/** Loops: verify the Standard Webhooks signature over the raw body, then parse the event. */
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
import { parseLoopsEvent } from './parse.js';

const NAME = 'loops';
const NO_EVENTS: ProviderResult = { events: [] };

const LoopsOptionsSchema = v.object({
  ...commonEntries,
  secret: v.optional(
    v.pipe(
      secretList('signing secret'),
      v.check(
        (secrets) => secrets.every((s) => decodeStandardWebhooksSecret(s) !== undefined),
        'expected the signing secret from the Loops webhook settings: whsec_ followed by base64',
      ),
    ),
  ),
  maxAgeSeconds: maxAgeSeconds(300),
});

/** Options of `loops()`: `secret` is required unless `verifySignature` is false. */
export type LoopsOptions = v.InferInput<typeof LoopsOptionsSchema>;
type Resolved = v.InferOutput<typeof LoopsOptionsSchema>;

/** The event id when signatures are off: the header if sent, else a digest of the body. */
async function _unverifiedId(request: Request, body: Uint8Array): Promise<string> {
  return request.headers.get('webhook-id') || digestEventId(NAME, body);
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
      'Loops signature verification is OFF: anyone who can reach this endpoint can post events',
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
      const result = parseLoopsEvent(json, eventId);
      if (isHttpError(result)) return result;
      if (result.kind === 'events') return { events: result.events };
      const fields = { esp: NAME, eventId, note: result.note };
      if (result.warn) logger.warn('not a Loops event; nothing to deliver', fields);
      else logger.info('Loops event carries no tracking event; nothing to deliver', fields);
      return NO_EVENTS;
    },
  };
}

/**
 * Loops' webhooks (Standard Webhooks signing), at `POST {basePath}/loops` by default.
 * @param options.secret the endpoint's signing secret (`whsec_...`), or a list while rotating
 * @example
 * createMailWebhookHandler({ providers: [loops({ secret: 'whsec_...' })] });
 */
export function loops(options: LoopsOptions = {}): Provider {
  const o = parseProviderOptions(NAME, LoopsOptionsSchema, options);
  if (o.verifySignature && !o.secret) {
    throw new ConfigError(
      `${NAME}.secret`,
      'required: the signing secret (whsec_...) from Settings → Webhooks in Loops',
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
export const loopsProvider: BuiltinProvider = {
  name: NAME,
  create: loops,
  settings: { secret: 'secret', maxAgeSeconds: 'number' },
};
