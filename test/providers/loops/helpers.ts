/** Loops test helpers: Loops-shaped events, requests signed by the standardwebhooks library, a capturing handler. */
import { Webhook } from 'standardwebhooks';
import { loops } from '../../../src/index.js';
import type { LoopsOptions } from '../../../src/providers/loops/index.js';
import { captureHandler } from '../../helpers/capture-handler.js';

export const SECRET = `whsec_${btoa('loops-test-secret-of-24b')}`;
export const OTHER_SECRET = `whsec_${btoa('another-loops-secret-24b')}`;
export const URL_LOOPS = 'http://localhost/webhooks/mail/loops';
export const NOW = new Date('2026-05-01T12:00:00.000Z');
export const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);

/**
 * A Loops email event shaped as Loops' OpenAPI `webhooks` block describes it (field names from
 * WebhookEmailMetricPayload); the documentation's own examples are the `docs_*` fixtures.
 */
export function loopsEvent(eventName: string, extra: Record<string, unknown> = {}) {
  return {
    eventName,
    eventTime: 1_777_636_800,
    webhookSchemaVersion: '1.0.0',
    sourceType: 'campaign',
    campaignId: 'cm5x0campaign',
    contactIdentity: { id: 'cll6contact', email: 'reader@example.com', userId: 'u-42' },
    email: { id: 'cm5x0email', emailMessageId: 'cm5x0version', subject: 'Hello' },
    ...extra,
  };
}

export interface SignInit {
  readonly secret?: string;
  readonly id?: string;
  readonly timestampSeconds?: number;
}

/** A POST to the Loops route, signed the way Loops (Standard Webhooks) signs it. */
export function signedRequest(body: string | object, init: SignInit = {}): Request {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const id = init.id ?? 'msg_loops_0001';
  const seconds = init.timestampSeconds ?? NOW_SECONDS;
  const signature = new Webhook(init.secret ?? SECRET).sign(id, new Date(seconds * 1000), text);
  return new Request(URL_LOOPS, {
    method: 'POST',
    body: text,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(seconds),
      'webhook-signature': signature,
    },
  });
}

/** A handler with one Loops provider, a sink that keeps what it is given, and a fixed clock. */
export function loopsHandler(options: LoopsOptions = { secret: SECRET }, now: Date = NOW) {
  const { handle, events: received, lines } = captureHandler(loops(options), { now: () => now });
  return { handle, received, lines };
}

export { jsonAnswer as answer } from '../../helpers/capture-handler.js';
