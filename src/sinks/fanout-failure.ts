/**
 * What a `FanoutError` reports. Its own module, so the public declarations reach no file that
 * names a DOM-only type (`CryptoKey`): a Node consumer without the DOM lib type-checks them.
 */

/** One delivery that failed after its retries. */
export interface FanoutFailure {
  readonly endpoint: string;
  readonly type: string;
  readonly eventId: string;
  readonly webhookId: string;
  readonly recipient: string;
  readonly reason: string;
}
