/** Loops: verify the Standard Webhooks signature over the raw body, then parse the event. */
import type { BuiltinProvider } from '../registry-types.js';
import {
  type StandardWebhooksProviderOptions,
  standardWebhooksEntry,
  standardWebhooksProvider,
} from '../standard-webhooks-provider.js';
import type { Provider } from '../types.js';
import { parseLoopsEvent } from './parse.js';

/** Options of `loops()`: `secret` is required unless `verifySignature` is false. */
export type LoopsOptions = StandardWebhooksProviderOptions;

/**
 * Loops' webhooks (Standard Webhooks signing), at `POST {basePath}/loops` by default.
 * @param options.secret the endpoint's signing secret (`whsec_...`), or a list while rotating
 * @example
 * createMailWebhookHandler({ providers: [loops({ secret: 'whsec_...' })] });
 */
export const loops: (options?: LoopsOptions) => Provider = standardWebhooksProvider({
  name: 'loops',
  label: 'Loops',
  secretFrom: 'Settings → Webhooks in Loops',
  parse: parseLoopsEvent,
});

/** The registry entry: the factory and how its variables are read. */
export const loopsProvider: BuiltinProvider = standardWebhooksEntry('loops', loops);
