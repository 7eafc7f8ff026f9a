/** Scaleway Transactional Email through Topics and Events: verify the SNS-style message, then parse the TEM event. */
import * as v from 'valibot';
import { ConfigError, forbidden, type HttpError, isHttpError } from '../../errors.js';
import {
  AT_LEAST_ONE,
  boolean,
  nonEmpty,
  type OptionsInput,
  string,
  transform,
  union,
} from '../../schema.js';
import { decodeUtf8 } from '../body-text.js';
import { warnCheckOff } from '../check-off.js';
import { commonEntries, maxAgeSeconds, parseProviderOptions, stringList } from '../options.js';
import { postProvider } from '../post-provider.js';
import type { BuiltinProvider } from '../registry-types.js';
import { answerConfirmation } from '../ses/sns/confirmations.js';
import { parseSnsEnvelope, type SnsMessage } from '../ses/sns/envelope.js';
import {
  NO_EVENTS,
  type Provider,
  type ProviderContext,
  type ProviderInstance,
  type ProviderResult,
} from '../types.js';
import { readTrustAnchors, type TrustAnchor } from './chain.js';
import { parseScalewayMessage } from './parse.js';
import { confirmScalewaySubscription, createScalewayVerifier } from './verify.js';

const NAME = 'scaleway';
const TOPIC_VARIABLE = 'MAIL_WEBHOOK_SCALEWAY_TOPIC_ARNS';

const ScalewayOptionsSchema = v.object({
  ...commonEntries,
  topicArns: v.optional(
    v.pipe(
      stringList('TopicArn'),
      v.check(
        (arns) => arns.every((a) => /^arn:scw:sns:[^\s:]+:[^\s:]+:\S+$/.test(a)),
        'expected Scaleway topic ARNs (arn:scw:sns:<region>:project-<id>:<topic>)',
      ),
    ),
  ),
  trustAnchors: v.optional(
    v.pipe(
      union(
        [v.pipe(string(), nonEmpty()), v.pipe(v.array(string()), nonEmpty(AT_LEAST_ONE))],
        'expected PEM text (or a list of them)',
      ),
      transform((value): string[] => (typeof value === 'string' ? [value] : value)),
    ),
  ),
  // Scaleway keeps a message's original Timestamp on every retry, so the window is wide.
  maxAgeSeconds: maxAgeSeconds(8 * 3600),
  autoConfirm: v.optional(boolean(), false),
});

/** Options of `scaleway()`: `trustAnchors` is required unless `verifySignature` is false. */
export type ScalewayOptions = OptionsInput<typeof ScalewayOptionsSchema>;
type Resolved = v.InferOutput<typeof ScalewayOptionsSchema>;

function _anchors(o: Resolved): TrustAnchor[] {
  if (!o.trustAnchors) {
    if (!o.verifySignature) return [];
    throw new ConfigError(
      `${NAME}.trustAnchors`,
      "is required: the PEM of Scaleway's SNS trust chain (sns-trust-chain.pem for your region, see docs/providers/scaleway.md)",
    );
  }
  const anchors = readTrustAnchors(o.trustAnchors);
  if (typeof anchors === 'string') throw new ConfigError(`${NAME}.trustAnchors`, anchors);
  return anchors;
}

function _check(o: Resolved): void {
  if (o.autoConfirm && !o.topicArns?.length) {
    throw new ConfigError(
      `${NAME}.autoConfirm`,
      `needs ${NAME}.topicArns: only allow-listed topics are confirmed`,
    );
  }
  if (o.autoConfirm && !o.verifySignature) {
    throw new ConfigError(
      `${NAME}.autoConfirm`,
      `needs ${NAME}.verifySignature: only verified messages are confirmed`,
    );
  }
}

function _start(o: Resolved, anchors: TrustAnchor[], context: ProviderContext): ProviderInstance {
  const { logger } = context;
  // Any Scaleway customer can point a topic at this URL: a verified signature alone is not enough.
  const noTopic = o.verifySignature && !o.topicArns?.length;
  if (!o.verifySignature) {
    warnCheckOff(logger, 'Scaleway signature verification', NAME);
  } else if (noTopic) {
    logger.warn(
      `no Scaleway topic is allowed: every Notification is refused until ${TOPIC_VARIABLE} (topicArns) is set`,
      { esp: NAME },
    );
  }
  const verify = createScalewayVerifier({
    verifySignature: o.verifySignature,
    topicArns: o.topicArns,
    topicVariable: TOPIC_VARIABLE,
    anchors,
    maxAgeSeconds: o.maxAgeSeconds,
    fetch: context.fetch,
    now: context.now,
    logger,
    fetchTimeoutMs: context.fetchTimeoutMs,
  });

  const dispatch = async (message: SnsMessage): Promise<ProviderResult | HttpError> => {
    const fields = { esp: NAME, messageId: message.MessageId, topicArn: message.TopicArn };
    const confirmation = await answerConfirmation(message, {
      who: 'Scaleway',
      fields,
      autoConfirm: o.autoConfirm,
      todo: noTopic ? `add this TopicArn to ${TOPIC_VARIABLE} (topicArns)` : undefined,
      confirm: (m) => confirmScalewaySubscription(m, context),
      logger,
    });
    if (confirmation) return confirmation;
    if (noTopic) {
      return forbidden(
        'topic-not-allowed',
        `no topic is allowed yet: add ${message.TopicArn} to ${TOPIC_VARIABLE} (topicArns)`,
      );
    }
    const result = parseScalewayMessage(message.Message, logger);
    if (isHttpError(result)) return result;
    if (result.kind === 'events') return { events: result.events };
    if (result.warn)
      logger.warn('not a Scaleway TEM event; nothing to deliver', { ...fields, note: result.note });
    else
      logger.info('Scaleway TEM event carries no tracking event', { ...fields, note: result.note });
    return NO_EVENTS;
  };

  return {
    async handle(_request, bytes) {
      const body = decodeUtf8(bytes);
      if (isHttpError(body)) return body;
      const message = parseSnsEnvelope(body);
      if (isHttpError(message)) return message;
      const refused = await verify(message);
      if (refused) return refused;
      return dispatch(message);
    },
  };
}

/**
 * Scaleway Transactional Email webhooks, published to a Topics and Events topic whose HTTPS
 * subscription points at `POST {basePath}/scaleway`. The signing certificate must be issued by
 * one of `trustAnchors` (Scaleway's `sns-trust-chain.pem`).
 * @example
 * createMailWebhookHandler({
 *   providers: [scaleway({ topicArns: ['arn:scw:sns:fr-par:project-…:tem'], trustAnchors: snsTrustChainPem })],
 * });
 */
export function scaleway(options: ScalewayOptions = {}): Provider {
  const o = parseProviderOptions(NAME, ScalewayOptionsSchema, options);
  _check(o);
  const anchors = _anchors(o);
  return postProvider(NAME, o.path, (context) => _start(o, anchors, context));
}

/** The registry entry: the factory and how its variables are read. */
export const scalewayProvider: BuiltinProvider = {
  name: NAME,
  create: scaleway,
  settings: {
    topicArns: 'list',
    trustAnchors: 'string',
    maxAgeSeconds: 'number',
    autoConfirm: 'boolean',
  },
};
