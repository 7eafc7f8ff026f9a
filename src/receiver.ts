/** The receiving side of the fan-out (`mailhooks/receiver`): verify a Standard Webhooks delivery, decode its event. */
import { systemClock } from './errors.js';
import {
  createStandardWebhooksVerifier,
  NO_SIGNATURE_HEADER,
} from './providers/standard-webhooks.js';
import { didYouMean } from './suggest.js';
import { type DecodedTrackingContext, decodeTrackingEvent, WireFormatError } from './wire.js';

/** How far a `webhook-timestamp` may be from this clock, either way, by default (as in Svix). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/**
 * Why a delivery was refused: `signature-missing` (a `webhook-*` header is absent),
 * `timestamp-invalid`, `signature-invalid` (no `v1` signature matches any secret),
 * `message-too-old`, `timestamp-in-future`, `body-invalid` (signed, but not a tracking event).
 */
export type WebhookVerificationReason =
  | 'signature-missing'
  | 'timestamp-invalid'
  | 'signature-invalid'
  | 'message-too-old'
  | 'timestamp-in-future'
  | 'body-invalid';

/** Thrown by `verifyTrackingWebhook`; `reason` says why. Answer it with 400 (or 401), never 2xx. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  constructor(
    readonly reason: WebhookVerificationReason,
    message: string,
  ) {
    super(message);
  }
}

export interface VerifyTrackingWebhookOptions {
  /**
   * Seconds a timestamp may be old (default 300): a finite number above 0, else a `TypeError`
   * (NaN, 0 or a negative number would turn the replay check off). Future timestamps get at most 300 s.
   */
  readonly toleranceSeconds?: number | undefined;
  /** The clock, for tests. */
  readonly now?: (() => Date) | undefined;
}

const _OPTION_KEYS = ['toleranceSeconds', 'now'];

const _decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function _decodeBody(bytes: Uint8Array): DecodedTrackingContext {
  let body: unknown;
  try {
    body = JSON.parse(_decoder.decode(bytes));
  } catch {
    throw new WebhookVerificationError('body-invalid', 'the body is not JSON');
  }
  const envelope = (typeof body === 'object' && body !== null ? body : {}) as Record<
    string,
    unknown
  >;
  if (typeof envelope.data !== 'object' || envelope.data === null) {
    throw new WebhookVerificationError('body-invalid', 'the body has no "data" object');
  }
  let context: DecodedTrackingContext;
  try {
    context = decodeTrackingEvent(envelope.data);
  } catch (error) {
    if (!(error instanceof WireFormatError)) throw error;
    throw new WebhookVerificationError('body-invalid', `data.${error.field}: ${error.message}`);
  }
  if (envelope.type !== `email.${context.eventType}`) {
    throw new WebhookVerificationError(
      'body-invalid',
      `"type" is not email.${context.eventType}, the type of its data`,
    );
  }
  return context;
}

/**
 * Checks a fan-out delivery's Standard Webhooks signature (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature` with any of several `v1,` signatures) over the raw body, under any of
 * `secret` (a list while rotating), then decodes the event. The request's body is consumed.
 * Throws `WebhookVerificationError` naming the reason; a `TypeError` when a secret is not a
 * `whsec_` base64 key, or an option is unknown (`tolerance` for `toleranceSeconds`) or bad. The
 * id the signature covers (`webhook-id`, else `svix-id`) is stable across redeliveries: dedupe
 * by it, whichever header carried it.
 * @param request the incoming POST, untouched (the signature covers its exact bytes)
 * @param secret the endpoint's `whsec_...` secret, or several
 * @example
 * const context = await verifyTrackingWebhook(request, env.MAILHOOKS_SECRET);
 * if (context.eventType === 'bounced' && context.permanent) await suppress(context.recipient);
 */
export async function verifyTrackingWebhook(
  request: Request,
  secret: string | readonly string[],
  options: VerifyTrackingWebhookOptions = {},
): Promise<DecodedTrackingContext> {
  // A misspelt option would leave the default window in place of the one meant: say so.
  for (const key of Object.keys(options)) {
    if (!_OPTION_KEYS.includes(key)) {
      throw new TypeError(
        `unknown option "${key}"${didYouMean(key, _OPTION_KEYS) || `; use ${_OPTION_KEYS.join(' or ')}`}`,
      );
    }
  }
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  // The verifier reads 0 as "no past check"; here a bad value must not quietly become that.
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance <= 0) {
    throw new TypeError('toleranceSeconds must be a finite number of seconds above 0');
  }
  const secrets: unknown = typeof secret === 'string' ? [secret] : secret;
  // An unset variable is the usual mistake: say what a secret is, not which property failed.
  if (!Array.isArray(secrets) || !secrets.every((s) => typeof s === 'string')) {
    throw new TypeError('secret must be a whsec_ secret, or a list of them');
  }
  const verify = createStandardWebhooksVerifier({
    secrets,
    maxAgeSeconds: tolerance,
    maxAgeSetting: 'toleranceSeconds',
    now: options.now ?? systemClock,
  });
  // An unsigned request is refused before its body is read, as the handler does.
  if (!request.headers.get('webhook-signature') && !request.headers.get('svix-signature')) {
    throw new WebhookVerificationError('signature-missing', NO_SIGNATURE_HEADER);
  }
  const body = new Uint8Array(await request.arrayBuffer());
  const verified = await verify(request.headers, body);
  if (!('id' in verified)) {
    throw new WebhookVerificationError(
      verified.reason as WebhookVerificationReason,
      verified.message,
    );
  }
  return _decodeBody(body);
}
