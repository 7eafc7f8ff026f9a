/** Resend: verify the Svix (Standard Webhooks) signature over the raw body, then parse the event. */
import type { BuiltinProvider } from '../registry-types.js';
import {
  type StandardWebhooksProviderOptions,
  standardWebhooksEntry,
  standardWebhooksProvider,
} from '../standard-webhooks-provider.js';
import type { Provider } from '../types.js';
import { parseResendEvent } from './parse.js';

/** Options of `resend()`: `secret` is required unless `verifySignature` is false. */
export type ResendOptions = StandardWebhooksProviderOptions;

/**
 * Resend's webhooks (delivered by Svix), at `POST {basePath}/resend` by default.
 * @param options.secret the endpoint's signing secret (`whsec_...`), or a list while rotating
 * @example
 * createMailWebhookHandler({ providers: [resend({ secret: 'whsec_...' })] });
 */
export const resend: (options?: ResendOptions) => Provider = standardWebhooksProvider({
  name: 'resend',
  label: 'Resend',
  secretFrom: 'the Resend webhook page',
  parse: parseResendEvent,
});

/** The registry entry: the factory and how its variables are read. */
export const resendProvider: BuiltinProvider = standardWebhooksEntry('resend', resend);
