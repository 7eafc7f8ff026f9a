// Helpers for the blind delivery tests: unsigned SNS envelopes for ses({ verifySignature: false }),
// contexts, secrets. No Node globals: the workerd tests import it too.
import { type EmailTrackingContext, type MailWebhookOptions, ses } from '../../src/index.js';
import { EMPTY_FIELDS } from '../helpers/expected-context.js';

export const silent = { debug() {}, info() {}, warn() {}, error() {} };

export function recordingLogger() {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, fields: fields ?? {} });
  };
  return {
    lines,
    logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
  };
}

export function sesBounce(opts: {
  recipients: string[];
  bounceType?: string;
  subType?: string;
  messageId?: string;
  timestamp?: string;
  extra?: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    eventType: 'Bounce',
    bounce: {
      bounceType: opts.bounceType ?? 'Permanent',
      bounceSubType: opts.subType ?? 'General',
      bouncedRecipients: opts.recipients.map((emailAddress) => ({
        emailAddress,
        diagnosticCode: 'smtp; 550 5.1.1 user unknown',
      })),
      timestamp: opts.timestamp ?? '2026-01-02T03:04:05.678Z',
      feedbackId: 'feedback-1',
    },
    mail: {
      timestamp: '2026-01-02T03:04:00.000Z',
      messageId: opts.messageId ?? 'ses-msg-1',
      source: 'sender@example.com',
      destination: opts.recipients,
      ...(opts.extra ?? {}),
    },
  };
}

export function sesEvent(
  type: string,
  body: Record<string, unknown>,
  recipients: string[],
  messageId = 'ses-msg-2',
) {
  return {
    eventType: type,
    ...body,
    mail: {
      timestamp: '2026-01-02T03:04:00.000Z',
      messageId,
      source: 's@example.com',
      destination: recipients,
    },
  };
}

let counter = 0;
export function snsRequest(
  message: unknown,
  snsMessageId?: string,
  path = '/webhooks/mail/ses',
): Request {
  const id = snsMessageId ?? `sns-${Date.now()}-${++counter}`;
  const envelope = {
    Type: 'Notification',
    MessageId: id,
    TopicArn: 'arn:aws:sns:us-east-1:123456789012:ses-events',
    Message: JSON.stringify(message),
    Timestamp: new Date().toISOString(),
    SignatureVersion: '1',
    Signature: 'unsigned',
    SigningCertURL:
      'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-00000000000000000000000000000000.pem',
  };
  return new Request(`https://hooks.example.com${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'text/plain; charset=UTF-8',
      'x-amz-sns-message-type': 'Notification',
      'x-amz-sns-message-id': id,
    },
    body: JSON.stringify(envelope),
  });
}

/** An SNS Notification POST to /webhooks/mail/ses whose body is `body`, streamed with no length. */
export function streamedRequest(body: ReadableStream<Uint8Array>): Request {
  return new Request('https://hooks.example.com/webhooks/mail/ses', {
    method: 'POST',
    headers: { 'x-amz-sns-message-type': 'Notification', 'x-amz-sns-message-id': 'x' },
    body,
    duplex: 'half',
  } as RequestInit);
}

export function baseOptions(extra: MailWebhookOptions): MailWebhookOptions {
  return { providers: [ses({ verifySignature: false })], logger: silent, ...extra };
}

export const SECRET_A = `whsec_${btoa('a'.repeat(32))}`;
export const SECRET_B = `whsec_${btoa('b'.repeat(32))}`;

/** A context as a provider returns it: acme-mail's `delivered` for x@example.com; `fields` set the rest. */
export function context(fields: Partial<EmailTrackingContext> = {}): EmailTrackingContext {
  return {
    ...EMPTY_FIELDS,
    eventType: 'delivered',
    messageId: 'm',
    recipient: 'x@example.com',
    timestamp: new Date('2026-01-01T00:00:00.000Z'),
    espName: 'acme-mail',
    rawEvent: {},
    eventId: 'e1',
    ...fields,
  };
}
