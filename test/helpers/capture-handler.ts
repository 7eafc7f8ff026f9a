/** A handler around one provider with a capturing sink and logger; a response's status and JSON. */
import {
  createMailWebhookHandler,
  type EmailTrackingContext,
  type MailWebhookOptions,
  type Provider,
} from '../../src/index.js';
import { memoryLogger } from './envelope.js';

/**
 * `createMailWebhookHandler` with `provider`, a sink that keeps what it is given (`events`) and a
 * logger that keeps its lines; `options` (a clock, a fetch) go in last.
 */
export function captureHandler(provider: Provider, options: Partial<MailWebhookOptions> = {}) {
  const events: EmailTrackingContext[] = [];
  const { lines, logger } = memoryLogger();
  const handle = createMailWebhookHandler({
    providers: [provider],
    sinks: [{ name: 'capture', send: async (batch) => void events.push(...batch) }],
    logger,
    ...options,
  });
  return { handle, events, lines };
}

/** Status and JSON body of a response. */
export async function answer<Body = unknown>(
  response: Response,
): Promise<{ status: number; body: Body }> {
  return { status: response.status, body: (await response.json()) as Body };
}

/** The JSON answer of a response: `{ ok, events }` or `{ ok: false, error, message }`. */
export const jsonAnswer = async (response: Response) =>
  (await response.json()) as Record<string, unknown>;

/** The `error` reason of a refusal's JSON body. */
export const errorOf = (body: unknown) => (body as { error: string }).error;
