/** SNS's subscription messages as an SNS-style provider answers them: logged, and confirmed when told to. */
import type { HttpError } from '../../../errors.js';
import type { Logger } from '../../../log.js';
import { NO_EVENTS, type ProviderResult } from '../../types.js';
import type { SnsMessage } from './envelope.js';

export interface ConfirmationHandling {
  /** Who sent it, for the log: `SNS`, `Scaleway`. */
  readonly who: string;
  /** The message's log fields. */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly autoConfirm: boolean;
  /** What the operator still has to do, logged with a SubscriptionConfirmation when set. */
  readonly todo?: string | undefined;
  /** GETs the SubscribeURL: `undefined` once confirmed, or a refusal. */
  readonly confirm: (message: SnsMessage) => Promise<HttpError | undefined>;
  readonly logger: Logger;
}

/**
 * The answer to a SubscriptionConfirmation or UnsubscribeConfirmation (no events, or why the
 * confirmation failed); `undefined` for a Notification, which the provider parses.
 */
export async function answerConfirmation(
  message: SnsMessage,
  h: ConfirmationHandling,
): Promise<ProviderResult | HttpError | undefined> {
  if (message.Type === 'SubscriptionConfirmation') {
    // One line: confirmed, or received (to confirm by hand); a failed confirmation is the refusal's.
    if (h.autoConfirm) {
      const refused = await h.confirm(message);
      if (refused) return refused;
    }
    h.logger.info(
      `${h.who} subscription ${h.autoConfirm ? 'confirmed' : 'confirmation received'}`,
      {
        ...h.fields,
        subscribeUrl: message.SubscribeURL,
        autoConfirm: h.autoConfirm,
        ...(h.todo ? { todo: h.todo } : {}),
      },
    );
    return NO_EVENTS;
  }
  if (message.Type === 'UnsubscribeConfirmation') {
    // Never answered by re-subscribing: whoever unsubscribed meant it.
    h.logger.info(`${h.who} unsubscribe confirmation received; not re-subscribing`, h.fields);
    return NO_EVENTS;
  }
  return undefined;
}
