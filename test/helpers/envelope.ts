/** Builds SNS-shaped requests around SES events for handler tests (unsigned: verifySignature off). */

export const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:ses-events';
export const URL_SES = 'http://localhost/webhooks/mail/ses';

let _counter = 0;

export interface EnvelopeInit {
  readonly messageId?: string;
  readonly type?: string;
  readonly topicArn?: string;
  readonly timestamp?: string;
  readonly extra?: Record<string, unknown>;
}

/** An SNS Notification envelope whose Message is `message` (objects are JSON-encoded). */
export function envelope(message: unknown, init: EnvelopeInit = {}): Record<string, unknown> {
  return {
    Type: init.type ?? 'Notification',
    MessageId: init.messageId ?? `00000000-0000-4000-8000-${String(++_counter).padStart(12, '0')}`,
    TopicArn: init.topicArn ?? TOPIC_ARN,
    Message: typeof message === 'string' ? message : JSON.stringify(message),
    Timestamp: init.timestamp ?? '2026-01-01T00:00:00.000Z',
    SignatureVersion: '1',
    Signature: 'unsigned',
    SigningCertURL:
      'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-00000000000000000000000000000000.pem',
    ...init.extra,
  };
}

/** The headers SNS adds to every HTTP delivery, matching the body. */
export function snsHeaders(body: Record<string, unknown>): Record<string, string> {
  return {
    'content-type': 'text/plain; charset=UTF-8',
    'x-amz-sns-message-type': String(body.Type ?? ''),
    'x-amz-sns-message-id': String(body.MessageId ?? ''),
    'x-amz-sns-topic-arn': String(body.TopicArn ?? ''),
  };
}

/** A POST to the SES route with the SNS headers matching the body. */
export function snsRequest(
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
  url = URL_SES,
): Request {
  return new Request(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { ...snsHeaders(body), ...headers },
  });
}

/** Collects log lines by level, for asserting what an on-call person would read. */
export function memoryLogger() {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (msg: string, fields: Record<string, unknown> = {}) =>
      lines.push({ level, msg, fields });
  return {
    lines,
    logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
  };
}
