/** Amazon SES through SNS: authenticate, verify the SNS message, then parse the SES event. */
import { checkBasicSecret } from '../../auth.js';
import type { ResolvedOptions } from '../../config.js';
import { badRequest, forbidden, type HttpError, isHttpError } from '../../errors.js';
import type { EspHandler, EspResult } from '../types.js';
import { parseSesEvent, parseSesMessage, type SesParseResult } from './parse.js';
import { parseSnsEnvelope, type SnsMessage } from './sns/envelope.js';
import { checkTopicAllowed, confirmSubscription, createSnsVerifier } from './sns/verify.js';
import { parseTimestamp } from './timestamp.js';

export { parseSesEvent, parseSesMessage } from './parse.js';
export { parseSnsEnvelope, type SnsMessage } from './sns/envelope.js';
export { createSnsVerifier } from './sns/verify.js';

const NO_EVENTS: EspResult = { events: [] };

/** SNS repeats the Type and MessageId in headers; a mismatch means the body was swapped. */
function _crossCheck(request: Request, message: SnsMessage): HttpError | undefined {
  const type = request.headers.get('x-amz-sns-message-type');
  const id = request.headers.get('x-amz-sns-message-id');
  if (type !== message.Type) {
    return forbidden(
      'header-mismatch',
      `header x-amz-sns-message-type (${type ?? 'missing'}) does not match body Type (${message.Type})`,
    );
  }
  if (id !== message.MessageId) {
    return forbidden(
      'header-mismatch',
      `header x-amz-sns-message-id (${id ?? 'missing'}) does not match body MessageId (${message.MessageId})`,
    );
  }
  return undefined;
}

/** Creates the SES handler; its SNS verifier (and certificate cache) lives as long as it does. */
export function createSesHandler(options: ResolvedOptions): EspHandler {
  const { ses, logger } = options;
  if (!ses.verifySignature) {
    logger.warn(
      'SNS signature verification is OFF: anyone who can reach this endpoint can post events',
      {
        esp: 'ses',
      },
    );
  }
  const verify = createSnsVerifier({
    verifySignature: ses.verifySignature,
    topicArns: ses.topicArns,
    maxAgeSeconds: ses.maxAgeSeconds,
    fetch: options.fetch,
    now: options.now,
    logger,
  });

  const outcome = (result: SesParseResult | HttpError, fields: Record<string, unknown>) => {
    if (isHttpError(result)) return result;
    if (result.kind === 'events') return { events: result.events };
    if (result.kind === 'setup')
      logger.info('SES set-up message received', { ...fields, note: result.note });
    else
      logger.warn('notification is not an SES event; nothing to deliver', {
        ...fields,
        note: result.note,
      });
    return NO_EVENTS;
  };

  const rawDelivery = (request: Request, body: string): EspResult | HttpError => {
    const eventId = request.headers.get('x-amz-sns-message-id');
    const topicArn = request.headers.get('x-amz-sns-topic-arn') ?? '';
    if (!eventId)
      return badRequest('invalid-raw-delivery', 'header x-amz-sns-message-id is missing');
    const notAllowed = checkTopicAllowed(topicArn, ses.topicArns);
    if (notAllowed) return notAllowed;
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return badRequest('invalid-json', 'raw delivery body is not JSON');
    }
    const result = parseSesEvent(json, { eventId, fallbackTimestamp: options.now(), logger });
    return outcome(result, { eventId, topicArn });
  };

  const dispatch = async (message: SnsMessage): Promise<EspResult | HttpError> => {
    const fields = { messageId: message.MessageId, topicArn: message.TopicArn, type: message.Type };
    if (message.Type === 'SubscriptionConfirmation') {
      logger.info('SNS subscription confirmation received', {
        ...fields,
        subscribeUrl: message.SubscribeURL,
        autoConfirm: ses.autoConfirm,
      });
      if (!ses.autoConfirm) return NO_EVENTS;
      return (await confirmSubscription(message, { fetch: options.fetch, logger })) ?? NO_EVENTS;
    }
    if (message.Type === 'UnsubscribeConfirmation') {
      // Never answered by re-subscribing: whoever unsubscribed meant it.
      logger.info('SNS unsubscribe confirmation received; not re-subscribing', fields);
      return NO_EVENTS;
    }
    const result = parseSesMessage(message.Message, {
      eventId: message.MessageId,
      fallbackTimestamp: parseTimestamp(message.Timestamp) ?? options.now(),
      logger,
    });
    return outcome(result, fields);
  };

  return {
    name: 'ses',
    async handle(request, body) {
      if (ses.secret) {
        const refused = await checkBasicSecret(request, ses.secret, 'mailhooks');
        if (refused) return refused;
      }
      if (request.headers.get('x-amz-sns-rawdelivery')?.toLowerCase() === 'true') {
        if (!ses.allowRawDelivery) {
          return forbidden(
            'raw-delivery',
            'raw message delivery carries no signature; it is turned off',
          );
        }
        return rawDelivery(request, body);
      }
      const message = parseSnsEnvelope(body);
      if (isHttpError(message)) return message;
      const mismatch = _crossCheck(request, message);
      if (mismatch) return mismatch;
      const refused = await verify(message);
      if (refused) return refused;
      return dispatch(message);
    },
  };
}
