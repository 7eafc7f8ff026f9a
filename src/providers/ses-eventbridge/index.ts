/** Amazon SES through an EventBridge API destination: the connection's secret, then the SES record in `detail`. */

import * as v from 'valibot';
import { badRequest, type HttpError, isHttpError } from '../../errors.js';
import type { OptionsInput } from '../../schema.js';
import { parseTimestamp } from '../../timestamp.js';
import { parseJsonBody } from '../body-text.js';
import { commonEntries, parseProviderOptions, stringList } from '../options.js';
import type { BuiltinProvider } from '../registry-types.js';
import { parseSesEvent, sesAnswer } from '../ses/parse.js';
import { sharedSecretEntries, sharedSecretSettings } from '../shared-secret.js';
import { sharedSecretProviderOf } from '../shared-secret-provider.js';
import type { Provider, ProviderContext, ProviderResult } from '../types.js';
import { readEventBridgeEvent } from './envelope.js';

const NAME = 'ses-eventbridge';

const SesEventBridgeOptionsSchema = v.object({
  ...commonEntries,
  ...sharedSecretEntries,
  accounts: v.optional(
    v.pipe(
      stringList('account id'),
      v.check(
        (ids) => ids.every((id) => /^\d{12}$/.test(id)),
        'expected AWS account ids (12 digits each)',
      ),
    ),
  ),
});

/**
 * Options of `sesEventBridge()`: the connection's credentials (`password`, `token` or `header` +
 * `value`) unless `verifySignature: false`; `accounts` limits which AWS accounts may send.
 */
export type SesEventBridgeOptions = OptionsInput<typeof SesEventBridgeOptionsSchema>;
type Resolved = v.InferOutput<typeof SesEventBridgeOptionsSchema>;

async function _handle(
  o: Resolved,
  body: Uint8Array,
  context: ProviderContext,
): Promise<ProviderResult | HttpError> {
  const { logger } = context;
  const json = parseJsonBody(body);
  if (isHttpError(json)) return json;
  const event = readEventBridgeEvent(json, o.accounts);
  if (isHttpError(event)) return event;
  const fields = { esp: NAME, eventId: event.id, detailType: event['detail-type'] };
  // A `time` that is sent must be a real instant, as the SNS Timestamp: never the clock instead.
  const time = event.time === undefined ? context.now() : parseTimestamp(event.time);
  if (!time) {
    return badRequest(
      'invalid-envelope',
      `EventBridge event field "time" is not a real instant between 1970 and 9999: ${event.time?.slice(0, 64)}`,
    );
  }
  const result = parseSesEvent(event.detail, {
    eventId: event.id,
    fallback: time,
    logger,
  });
  return sesAnswer(result, fields, logger, 'event', 'EventBridge event', NAME);
}

/**
 * Amazon SES event publishing to EventBridge, delivered by an API destination at
 * `POST {basePath}/ses-eventbridge`. The connection's authorization (Basic, API key header, or a
 * bearer token) is the shared secret; the rule should match `source: ["aws.ses"]`.
 * @example
 * createMailWebhookHandler({
 *   providers: [sesEventBridge({ header: 'X-Api-Key', value: env.EVENTBRIDGE_KEY, accounts: ['123456789012'] })],
 * });
 */
export function sesEventBridge(options: SesEventBridgeOptions = {}): Provider {
  const o = parseProviderOptions(NAME, SesEventBridgeOptionsSchema, options);
  return sharedSecretProviderOf(NAME, 'SES EventBridge', o, (body, context) =>
    _handle(o, body, context),
  );
}

/** The registry entry: the factory and how its variables are read. */
export const sesEventBridgeProvider: BuiltinProvider = {
  name: NAME,
  create: sesEventBridge,
  settings: { ...sharedSecretSettings, accounts: 'list' },
};
