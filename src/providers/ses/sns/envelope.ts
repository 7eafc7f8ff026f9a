/** The SNS HTTP(S) envelope: its three message Types, as schemas, normalized to one shape. */
import * as v from 'valibot';
import { badRequest, type HttpError, isHttpError } from '../../../errors.js';
import { nonEmpty, optionalString, parseOr400, picklist, string } from '../../../schema.js';
import { parseJson } from '../../body-text.js';
import { isObject, isOptionalText } from '../../fields.js';

export const SNS_MESSAGE_TYPES = [
  'Notification',
  'SubscriptionConfirmation',
  'UnsubscribeConfirmation',
] as const;

export type SnsMessageType = (typeof SNS_MESSAGE_TYPES)[number];

// The optional fields take `null` as absent: Lambda-shaped records write `"Subject": null`.
const common = {
  MessageId: v.pipe(string(), nonEmpty()),
  TopicArn: v.pipe(string(), nonEmpty()),
  Message: string(),
  Timestamp: v.pipe(string(), nonEmpty()),
  SignatureVersion: optionalString,
  Signature: optionalString,
  SigningCertURL: optionalString,
  // Lambda-shaped records spell these with a lower-case "rl"; the signature does not cover them.
  SigningCertUrl: optionalString,
  UnsubscribeURL: optionalString,
  UnsubscribeUrl: optionalString,
};

const NotificationSchema = v.looseObject({
  ...common,
  Type: picklist(['Notification']),
  Subject: optionalString,
});

const ConfirmationSchema = v.looseObject({
  ...common,
  Type: picklist(['SubscriptionConfirmation', 'UnsubscribeConfirmation']),
  SubscribeURL: v.pipe(string(), nonEmpty()),
  Token: v.pipe(string(), nonEmpty()),
});

/** One SNS message, normalized: absent and null optional fields are `undefined`. */
export interface SnsMessage {
  readonly Type: SnsMessageType;
  readonly MessageId: string;
  readonly TopicArn: string;
  readonly Message: string;
  readonly Timestamp: string;
  readonly Subject?: string | undefined;
  readonly SignatureVersion?: string | undefined;
  readonly Signature?: string | undefined;
  readonly SigningCertURL?: string | undefined;
  readonly SubscribeURL?: string | undefined;
  readonly Token?: string | undefined;
  readonly UnsubscribeURL?: string | undefined;
}

type _Opt = string | null | undefined;

/** The parsed envelope before normalization: both spellings, nulls kept. */
interface _RawEnvelope {
  Type: SnsMessageType;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  Subject?: _Opt;
  SignatureVersion?: _Opt;
  Signature?: _Opt;
  SigningCertURL?: _Opt;
  SigningCertUrl?: _Opt;
  SubscribeURL?: _Opt;
  Token?: _Opt;
  UnsubscribeURL?: _Opt;
  UnsubscribeUrl?: _Opt;
}

const _some = (value: _Opt, other?: _Opt): string | undefined =>
  typeof value === 'string' ? value : typeof other === 'string' ? other : undefined;

const _isFilled = (x: unknown): boolean => typeof x === 'string' && x.length > 0;

/** What the schema of this Type accepts, checked by hand in one pass (the Type already is). */
function _isWellFormed(m: Record<string, unknown>, notification: boolean): boolean {
  return (
    _isFilled(m.MessageId) &&
    _isFilled(m.TopicArn) &&
    typeof m.Message === 'string' &&
    _isFilled(m.Timestamp) &&
    isOptionalText(m.SignatureVersion) &&
    isOptionalText(m.Signature) &&
    isOptionalText(m.SigningCertURL) &&
    isOptionalText(m.SigningCertUrl) &&
    isOptionalText(m.UnsubscribeURL) &&
    isOptionalText(m.UnsubscribeUrl) &&
    (notification ? isOptionalText(m.Subject) : _isFilled(m.SubscribeURL) && _isFilled(m.Token))
  );
}

/**
 * Parses the request body as an SNS envelope; a 400 names what is wrong. With signature checks
 * off, `unsignedNow` fills in a Notification's missing TopicArn (`(none)`) and Timestamp (that
 * clock's time), which only verification reads: test envelopes such as django-anymail's leave
 * them out.
 */
export function parseSnsEnvelope(body: string, unsignedNow?: () => Date): SnsMessage | HttpError {
  // No envelope nests: deeper than 64 levels is refused before an error message echoes a field.
  const json = parseJson(body);
  if (isHttpError(json)) return json;
  if (!isObject(json)) {
    return badRequest(
      'invalid-envelope',
      'request body is not an SNS envelope (not a JSON object)',
    );
  }
  const type = (json as { Type?: unknown }).Type;
  if (type === undefined) {
    return badRequest('invalid-envelope', 'SNS envelope field "Type" is missing');
  }
  if (!SNS_MESSAGE_TYPES.includes(type as SnsMessageType)) {
    return badRequest(
      'unknown-type',
      `SNS envelope field "Type" is ${JSON.stringify(type)}; expected one of ${SNS_MESSAGE_TYPES.join(', ')}`,
    );
  }
  if (unsignedNow && type === 'Notification') {
    const unsigned = json as Record<string, unknown>;
    unsigned.TopicArn ??= '(none)';
    unsigned.Timestamp ??= unsignedNow().toISOString();
  }
  // A well-formed envelope is read as it is; the schema names what is wrong with any other.
  let m: _RawEnvelope;
  if (_isWellFormed(json as Record<string, unknown>, type === 'Notification')) {
    m = json as unknown as _RawEnvelope;
  } else {
    const schema = type === 'Notification' ? NotificationSchema : ConfirmationSchema;
    const parsed = parseOr400(schema, json, 'invalid-envelope', 'SNS envelope');
    if (isHttpError(parsed)) return parsed;
    m = parsed as _RawEnvelope;
  }
  return {
    Type: m.Type,
    MessageId: m.MessageId,
    TopicArn: m.TopicArn,
    Message: m.Message,
    Timestamp: m.Timestamp,
    Subject: _some(m.Subject),
    SignatureVersion: _some(m.SignatureVersion),
    Signature: _some(m.Signature),
    SigningCertURL: _some(m.SigningCertURL, m.SigningCertUrl),
    SubscribeURL: _some(m.SubscribeURL),
    Token: _some(m.Token),
    UnsubscribeURL: _some(m.UnsubscribeURL, m.UnsubscribeUrl),
  };
}
