/** The start-up warning every provider logs when its signature or credential check is off. */
import type { Logger } from '../log.js';

/** @param what the check, as people read it: `Mailgun signature verification`, `Brevo credential check` */
export function warnCheckOff(logger: Logger, what: string, esp: string): void {
  logger.warn(`${what} is OFF: anyone who can reach this endpoint can post events`, { esp });
}
