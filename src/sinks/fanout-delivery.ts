/** One fan-out delivery: signed POSTs with a per-attempt timeout, bounded retries, and the request's deadline. */
import { describeWithCause, type FetchFn } from '../errors.js';
import type { EmailTrackingContext } from '../events.js';
import type { Logger } from '../log.js';
import type { FanoutFailure } from './fanout-failure.js';
import { signWebhook } from './webhook-signing.js';

const _BACKOFF_BASE_MS = 100;

/** An endpoint as configured: URL, its log label, its event filter, its imported key. */
export interface FanoutTarget {
  readonly url: string;
  /** The URL without credentials or query, for logs and errors. */
  readonly label: string;
  readonly events: ReadonlySet<string> | undefined;
  readonly key: Promise<CryptoKey>;
}

/** One context to one endpoint; the body and id are shared by the context's endpoints. */
export interface FanoutDelivery {
  readonly endpoint: FanoutTarget;
  readonly context: EmailTrackingContext;
  readonly type: string;
  /** Shared by every endpoint of one context. */
  readonly id: Promise<string>;
  readonly body: string;
}

type _Attempt =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly retry: boolean;
      readonly reason: string;
      readonly wait?: number;
    };

/** What every delivery of one send shares. */
export interface FanoutSettings {
  /** The request's delivery deadline: no attempt starts after it fires, and in-flight ones stop. */
  readonly signal: AbortSignal | undefined;
  /**
   * Settles when `signal` aborts: the send's one listener on it, which every attempt and backoff
   * waits on (one listener each, at a concurrency past 10, was Node's MaxListenersExceededWarning).
   */
  readonly aborted: Promise<void> | undefined;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly fetch: FetchFn;
  readonly logger: Logger;
  /** The default also takes `aborted`, to clear its timer when the deadline cuts the wait short. */
  readonly sleep: (ms: number, aborted?: Promise<void>) => Promise<void>;
  readonly now: () => Date;
}

const _DEADLINE_PASSED = 'stopped: the delivery deadline passed';

/** Waits `ms`, or less when the deadline fires first. */
const _backoff = (ms: number, settings: FanoutSettings): Promise<void> =>
  settings.aborted
    ? Promise.race([settings.sleep(ms, settings.aborted), settings.aborted])
    : settings.sleep(ms);

/** A thrown error's text with its cause, the endpoint's URL shown as its label (origin and path). */
function _reason(error: unknown, endpoint: FanoutTarget): string {
  return describeWithCause(error).split(endpoint.url).join(endpoint.label);
}

/** One POST with its own timeout, also stopped by the deadline. Answers are cancelled unread, so the connection is freed at once. */
async function _attempt(delivery: FanoutDelivery, settings: FanoutSettings): Promise<_Attempt> {
  const timestamp = Math.floor(settings.now().getTime() / 1000);
  const id = await delivery.id;
  const signature = await signWebhook(await delivery.endpoint.key, id, timestamp, delivery.body);
  if (settings.signal?.aborted) return { ok: false, retry: false, reason: _DEADLINE_PASSED };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), settings.timeoutMs);
  settings.aborted?.then(() => controller.abort());
  // A fetch of the user's may ignore its signal: the attempt's own timeout still ends the wait.
  const stopped = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', reject, { once: true });
  });
  // The deadline aborts attempts already over too: one whose fetch threw at once never raced this.
  stopped.catch(() => {});
  try {
    const sent = settings.fetch(delivery.endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'mailhooks',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature,
      },
      body: delivery.body,
      signal: controller.signal,
      // A signed event is for this URL only; a redirect is a misconfiguration to surface.
      redirect: 'manual',
    });
    const response = await Promise.race([sent, stopped]);
    // Not awaited: the status is the answer, and a body's cancel need not ever settle.
    response.body?.cancel?.().catch(() => {});
    if (response.status >= 200 && response.status < 300) return { ok: true };
    const retry = response.status >= 500 || response.status === 429 || response.status === 408;
    // Retry-After (RFC 9110: seconds or an HTTP date) is how long the receiver asks us to wait;
    // longer than an attempt may take means not now: the ESP (or the queue) retries later.
    const after = response.headers.get('retry-after') ?? '';
    const wait = /^\d+$/.test(after)
      ? +after * 1000
      : Date.parse(after) - settings.now().getTime() || 0;
    const late = retry && wait > settings.timeoutMs;
    return {
      ok: false,
      retry: retry && !late,
      reason: `HTTP ${response.status}${late ? `, Retry-After ${Math.ceil(wait / 1000)} s` : ''}`,
      wait,
    };
  } catch (error) {
    if (settings.signal?.aborted) return { ok: false, retry: false, reason: _DEADLINE_PASSED };
    const reason = controller.signal.aborted
      ? `timed out after ${settings.timeoutMs} ms`
      : _reason(error, delivery.endpoint);
    return { ok: false, retry: true, reason };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Attempts a delivery up to `1 + retries` times, none after the deadline; returns the failure, or undefined once delivered. */
export async function deliverWebhook(
  delivery: FanoutDelivery,
  settings: FanoutSettings,
): Promise<FanoutFailure | undefined> {
  const fields = {
    endpoint: delivery.endpoint.label,
    type: delivery.type,
    eventId: delivery.context.eventId,
    webhookId: await delivery.id,
  };
  for (let attempt = 1; ; attempt++) {
    const outcome = await _attempt(delivery, settings);
    if (outcome.ok) return undefined;
    if (outcome.retry && attempt <= settings.retries && !settings.signal?.aborted) {
      settings.logger.debug('webhook attempt failed; retrying', {
        ...fields,
        attempt,
        reason: outcome.reason,
      });
      await _backoff(Math.max(_BACKOFF_BASE_MS * 2 ** (attempt - 1), outcome.wait ?? 0), settings);
      if (!settings.signal?.aborted) continue;
    }
    const why = settings.signal?.aborted ? _DEADLINE_PASSED : outcome.reason;
    const reason = `${why} after ${attempt} attempt${attempt === 1 ? '' : 's'}`;
    settings.logger.warn('webhook delivery failed', { ...fields, reason });
    return { ...fields, recipient: delivery.context.recipient, reason };
  }
}
