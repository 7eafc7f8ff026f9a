/** Resend test helpers: signed requests (by the standardwebhooks library) and a capturing handler. */
import { Webhook } from 'standardwebhooks';
import { resend } from '../../../src/index.js';
import type { ResendOptions } from '../../../src/providers/resend/index.js';
import { captureHandler } from '../../helpers/capture-handler.js';

export const SECRET = `whsec_${btoa('resend-test-secret-24-by')}`;
export const OTHER_SECRET = `whsec_${btoa('another-secret-of-24-byt')}`;
export const URL_RESEND = 'http://localhost/webhooks/mail/resend';
/** The fixed clock of every handler here; requests are signed at this instant unless told. */
export const NOW = new Date('2024-05-01T12:00:00.000Z');
export const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);

export interface SignInit {
  readonly secret?: string;
  readonly id?: string;
  readonly timestampSeconds?: number;
  /** `svix` (what Resend sends) or `webhook` (the Standard Webhooks names). */
  readonly prefix?: 'svix' | 'webhook';
  readonly headers?: Record<string, string>;
}

/** A POST to the Resend route, signed the way Svix signs it. */
export function signedRequest(body: string | object, init: SignInit = {}): Request {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const id = init.id ?? 'msg_2abcDEFghiJKLmnoPQRstu';
  const seconds = init.timestampSeconds ?? NOW_SECONDS;
  const signature = new Webhook(init.secret ?? SECRET).sign(id, new Date(seconds * 1000), text);
  const prefix = init.prefix ?? 'svix';
  return new Request(URL_RESEND, {
    method: 'POST',
    body: text,
    headers: {
      'content-type': 'application/json',
      [`${prefix}-id`]: id,
      [`${prefix}-timestamp`]: String(seconds),
      [`${prefix}-signature`]: signature,
      ...init.headers,
    },
  });
}

/** A handler with one Resend provider, a sink that keeps what it is given, and a fixed clock. */
export function resendHandler(options: ResendOptions = { secret: SECRET }, now: Date = NOW) {
  const { handle, events: received, lines } = captureHandler(resend(options), { now: () => now });
  return { handle, received, lines };
}

export { jsonAnswer as answer } from '../../helpers/capture-handler.js';
