/** The EventBridge event an API destination POSTs: its envelope, and the rules on who sent it. */
import * as v from 'valibot';
import { badRequest, forbidden, type HttpError } from '../../errors.js';
import { nonEmpty, parseOr400, string } from '../../schema.js';
import { isObject } from '../fields.js';

/** The only source whose events carry SES records. */
export const SES_SOURCE = 'aws.ses';

const EventSchema = v.looseObject({
  id: v.pipe(string(), nonEmpty()),
  'detail-type': v.optional(string()),
  source: string(),
  account: string(),
  time: v.optional(string()),
  region: v.optional(string()),
  detail: v.looseObject({}),
});

export type EventBridgeEvent = v.InferOutput<typeof EventSchema>;

/**
 * Reads an EventBridge event and checks who sent it: `source` must be `aws.ses` and, when an
 * allow-list is set, `account` one of `accounts` (403 otherwise, judged before the rest of the
 * envelope: an event from elsewhere is refused as such, however it is shaped); a malformed
 * envelope from SES is a 400.
 */
export function readEventBridgeEvent(
  json: unknown,
  accounts: readonly string[] | undefined,
): EventBridgeEvent | HttpError {
  if (!isObject(json)) {
    return badRequest('invalid-envelope', 'an EventBridge event is a JSON object');
  }
  const { source, account } = json as { source?: unknown; account?: unknown };
  // No source at all is no EventBridge envelope (an InputTransformer that forwards only `detail`):
  // the schema's 400 says so.
  if (source !== undefined) {
    if (source !== SES_SOURCE) {
      return forbidden(
        'source-not-allowed',
        `EventBridge event source ${JSON.stringify(source)} is not ${SES_SOURCE}: narrow the rule's event pattern to source ["${SES_SOURCE}"]`,
      );
    }
    if (accounts && !(typeof account === 'string' && accounts.includes(account))) {
      return forbidden(
        'account-not-allowed',
        `AWS account ${JSON.stringify(account ?? null)} is not in the accounts allow-list`,
      );
    }
  }
  return parseOr400(EventSchema, json, 'invalid-envelope', 'EventBridge event');
}
