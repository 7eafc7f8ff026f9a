/** Event-map tables: one realistic event per row through a provider with checks off, its full context compared. */
import { expect } from 'vitest';
import type { EmailTrackingContext, Provider } from '../../../src/index.js';
import { harness } from '../../helpers/provider-harness.js';

/** Every context field but `rawEvent`, with the timestamp as ISO text. */
export type Seen = Omit<EmailTrackingContext, 'rawEvent' | 'timestamp'> & { timestamp: string };

/** The fields a row leaves at their defaults: null or empty. */
export const DEFAULTS = {
  tags: [] as string[],
  metadata: {} as Record<string, string>,
  rejectReason: null,
  description: null,
  clickUrl: null,
  userAgent: null,
  mtaResponse: null,
  rejectCategory: null,
  permanent: null,
};

export const seen = (event: EmailTrackingContext): Seen => {
  const { rawEvent: _raw, timestamp, ...rest } = event;
  return { ...rest, timestamp: timestamp.toISOString() };
};

/** POSTs `body` (JSON unless a string) to `provider` and returns the contexts it delivered, 200 asserted. */
export async function contextsOf(
  provider: Provider,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Seen[]> {
  const { post, events } = harness(provider);
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const answer = await post(text, headers);
  expect(answer, JSON.stringify(answer.body)).toMatchObject({ status: 200 });
  return events.map(seen);
}

/** The one context `body` gives. */
export async function contextOf(
  provider: Provider,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Seen> {
  const all = await contextsOf(provider, body, headers);
  expect(all).toHaveLength(1);
  return all[0] as Seen;
}
