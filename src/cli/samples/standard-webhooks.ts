/** Standard Webhooks signing for ESPs that use it (Resend, Loops), with the fan-out's own signer. */
import { decodeStandardWebhooksSecret } from '../../providers/standard-webhooks.js';
import { signWebhook } from '../../sinks/webhook-signing.js';
import { UsageError } from '../usage.js';
import { uuid } from './ids.js';
import type { Credentials, SignedRequest } from './types.js';

/** Signs `payload` as Svix does, under `svix-*` or `webhook-*` header names. */
export async function signStandardWebhook(
  prefix: 'svix' | 'webhook',
  payload: unknown,
  credentials: Credentials,
  now: Date,
): Promise<SignedRequest> {
  const bytes = decodeStandardWebhooksSecret(credentials.secret ?? '');
  if (!bytes) throw new UsageError('--secret must be a whsec_ secret with a base64 key');
  const key = await crypto.subtle.importKey(
    'raw',
    bytes,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const id = `msg_${uuid().replace(/-/g, '')}`;
  const timestamp = Math.floor(now.getTime() / 1000);
  const body = JSON.stringify(payload);
  return {
    headers: {
      'content-type': 'application/json',
      [`${prefix}-id`]: id,
      [`${prefix}-timestamp`]: String(timestamp),
      [`${prefix}-signature`]: await signWebhook(key, id, timestamp, body),
    },
    body,
  };
}
