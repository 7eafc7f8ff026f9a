/** Amazon SES through SNS: authenticate, verify the SNS message, then parse the SES event. */

import * as v from 'valibot';
import { badRequest, ConfigError, forbidden, type HttpError, isHttpError } from '../../errors.js';
import { boolean, type OptionsInput } from '../../schema.js';
import { parseTimestamp } from '../../timestamp.js';
import { decodeUtf8, parseJson } from '../body-text.js';
import { warnCheckOff } from '../check-off.js';
import {
  commonEntries,
  maxAgeSeconds,
  parseProviderOptions,
  secretList,
  stringList,
} from '../options.js';
import { postProvider } from '../post-provider.js';
import type { BuiltinProvider } from '../registry-types.js';
import { sharedSecretAuth } from '../shared-secret.js';
import type { Provider, ProviderContext, ProviderInstance, ProviderResult } from '../types.js';
import { parseSesEvent, parseSesMessage, type SesParseResult, sesAnswer } from './parse.js';
import { answerConfirmation } from './sns/confirmations.js';
import { parseSnsEnvelope, type SnsMessage } from './sns/envelope.js';
import { checkTopicAllowed, confirmSubscription, createSnsVerifier } from './sns/verify.js';

const TOPIC_VARIABLE = 'MAIL_WEBHOOK_SES_TOPIC_ARNS';

const SesOptionsSchema = v.object({
  ...commonEntries,
  secret: v.optional(secretList()),
  topicArns: v.optional(
    v.pipe(
      stringList('TopicArn'),
      // An SNS topic ARN with no whitespace: an S3 ARN or a trailing line break could never be
      // allowed. The account is not held to AWS's 12 digits: with verification off (local
      // trials), a made-up topic such as arn:aws:sns:us-east-1:1:t is a fine allow-list.
      v.check(
        (arns) => arns.every((a) => /^arn:[a-z-]+:sns:[a-z0-9-]+:\d+:[\w.-]+$/.test(a)),
        'expected TopicArns (arn:aws:sns:…)',
      ),
    ),
  ),
  allowAnyTopic: v.optional(boolean(), false),
  maxAgeSeconds: maxAgeSeconds(3900),
  autoConfirm: v.optional(boolean(), false),
  allowRawDelivery: v.optional(boolean(), false),
});

/** Options of `ses()`; every field is optional. */
export type SesOptions = OptionsInput<typeof SesOptionsSchema>;
type Resolved = v.InferOutput<typeof SesOptionsSchema>;

function _check(o: Resolved): void {
  if (o.autoConfirm && !o.topicArns?.length) {
    throw new ConfigError(
      'ses.autoConfirm',
      'needs ses.topicArns: only allow-listed topics are confirmed',
    );
  }
  if (o.autoConfirm && !o.verifySignature) {
    throw new ConfigError(
      'ses.autoConfirm',
      'needs ses.verifySignature: only verified messages are confirmed',
    );
  }
  if (o.allowRawDelivery && !o.secret) {
    throw new ConfigError(
      'ses.allowRawDelivery',
      'needs ses.secret: raw deliveries carry no signature',
    );
  }
}

/** SNS repeats the Type and MessageId in headers; a mismatch means the body was swapped. */
const _REPEATED = [
  ['x-amz-sns-message-type', 'Type'],
  ['x-amz-sns-message-id', 'MessageId'],
] as const;

function _crossCheck(request: Request, message: SnsMessage): HttpError | undefined {
  for (const [header, field] of _REPEATED) {
    const value = request.headers.get(header);
    if (value !== message[field]) {
      return forbidden(
        'header-mismatch',
        `header ${header} (${value ?? 'missing'}) does not match body ${field} (${message[field]})`,
      );
    }
  }
  return undefined;
}

/** A valid SNS signature proves only that some topic sent it: without an allow-list or secret, refuse. */
const _anyTopicRefusal = (topicArn: string): HttpError =>
  forbidden(
    'topic-not-allowed',
    `no topic is allowed yet: add ${topicArn || 'the TopicArn'} to ${TOPIC_VARIABLE} (topicArns), or set a secret`,
  );

function _start(o: Resolved, context: ProviderContext): ProviderInstance {
  const { logger } = context;
  // Only with signatures verified does the topic rule apply: unverified, anyone can post anyway.
  const openToAnyTopic = o.verifySignature && !o.topicArns?.length && !o.secret && !o.allowAnyTopic;
  if (!o.verifySignature) {
    warnCheckOff(logger, 'SNS signature verification', 'ses');
  } else if (openToAnyTopic) {
    logger.warn(
      `no SNS topic is allowed: every Notification is refused until ${TOPIC_VARIABLE} (topicArns) or a secret is set`,
      { esp: 'ses' },
    );
  }
  const authenticate = sharedSecretAuth('ses', { password: o.secret }, false);
  // The verifier reads its own settings out of the options and the context.
  const verify = createSnsVerifier({ ...o, ...context, topicVariable: TOPIC_VARIABLE });

  // The parser's result as the answer, logged as an SNS message's.
  const outcome = (result: SesParseResult | HttpError, fields: Record<string, unknown>) =>
    sesAnswer(result, fields, logger, 'message', 'notification');

  const rawDelivery = (request: Request, body: string): ProviderResult | HttpError => {
    const eventId = request.headers.get('x-amz-sns-message-id');
    const topicArn = request.headers.get('x-amz-sns-topic-arn') ?? '';
    if (!eventId)
      return badRequest('invalid-raw-delivery', 'header x-amz-sns-message-id is missing');
    const notAllowed = checkTopicAllowed(topicArn, o.topicArns, TOPIC_VARIABLE);
    if (notAllowed) return notAllowed;
    const json = parseJson(body, 'raw delivery body');
    if (isHttpError(json)) return json;
    return outcome(parseSesEvent(json, { eventId, fallback: context.now(), logger }), {
      esp: 'ses',
      eventId,
      topicArn,
    });
  };

  // Not async: a Notification, nearly every message, is parsed at once, with no promise made for
  // it; only a subscription message waits (for its confirmation).
  const dispatch = (
    message: SnsMessage,
  ): ProviderResult | HttpError | Promise<ProviderResult | HttpError> => {
    const fields = {
      esp: 'ses',
      messageId: message.MessageId,
      topicArn: message.TopicArn,
      type: message.Type,
    };
    if (message.Type !== 'Notification') {
      // Answered, never `undefined`: that is for a Notification.
      return answerConfirmation(message, {
        who: 'SNS',
        fields,
        autoConfirm: o.autoConfirm,
        todo: openToAnyTopic ? `add this TopicArn to ${TOPIC_VARIABLE} (topicArns)` : undefined,
        confirm: (m) => confirmSubscription(m, context),
        logger,
      }) as Promise<ProviderResult | HttpError>;
    }
    if (openToAnyTopic) return _anyTopicRefusal(message.TopicArn);
    // Checked here too: with verification or the age rule off, nothing else read it.
    const sent = parseTimestamp(message.Timestamp);
    if (!sent) {
      return badRequest(
        'invalid-envelope',
        `SNS field "Timestamp" is not a real instant between 1970 and 9999: ${message.Timestamp.slice(0, 64)}`,
      );
    }
    const result = parseSesMessage(message.Message, {
      eventId: message.MessageId,
      fallback: sent,
      logger,
    });
    return outcome(result, fields);
  };

  return {
    authenticate,
    async handle(request, bytes) {
      const body = decodeUtf8(bytes);
      if (isHttpError(body)) return body;
      if (request.headers.get('x-amz-sns-rawdelivery')?.toLowerCase() === 'true') {
        if (!o.allowRawDelivery) {
          return forbidden(
            'raw-delivery',
            'raw message delivery carries no signature; it is turned off',
          );
        }
        return rawDelivery(request, body);
      }
      const message = parseSnsEnvelope(body, o.verifySignature ? undefined : context.now);
      if (isHttpError(message)) return message;
      const mismatch = _crossCheck(request, message);
      if (mismatch) return mismatch;
      const refused = await verify(message);
      if (refused) return refused;
      return dispatch(message);
    },
  };
}

/**
 * Amazon SES event publishing (or legacy notifications) through an SNS HTTPS subscription.
 * @example
 * createMailWebhookHandler({ providers: [ses({ topicArns: ['arn:aws:sns:us-east-1:123456789012:ses-events'] })] });
 */
export function ses(options: SesOptions = {}): Provider {
  const o = parseProviderOptions('ses', SesOptionsSchema, options);
  _check(o);
  return postProvider('ses', o.path, (context) => _start(o, context));
}

/** The registry entry: the factory and how its variables are read. */
export const sesProvider: BuiltinProvider = {
  name: 'ses',
  create: ses,
  settings: {
    secret: 'secret',
    topicArns: 'list',
    allowAnyTopic: 'boolean',
    maxAgeSeconds: 'number',
    autoConfirm: 'boolean',
    allowRawDelivery: 'boolean',
  },
};
