/** The bytes SNS signs for each message Type, and the hash each SignatureVersion uses. */
import type { SnsMessage } from './envelope.js';

export type SignatureHash = 'SHA-1' | 'SHA-256';

type SignedKey =
  | 'Message'
  | 'MessageId'
  | 'Subject'
  | 'SubscribeURL'
  | 'Timestamp'
  | 'Token'
  | 'TopicArn'
  | 'Type';

// Keys in byte order, as SNS concatenates them.
const NOTIFICATION_KEYS: readonly SignedKey[] = [
  'Message',
  'MessageId',
  'Subject',
  'Timestamp',
  'TopicArn',
  'Type',
];
const CONFIRMATION_KEYS: readonly SignedKey[] = [
  'Message',
  'MessageId',
  'SubscribeURL',
  'Timestamp',
  'Token',
  'TopicArn',
  'Type',
];

/** The hash for a SignatureVersion: "1" is SHA-1, "2" is SHA-256, anything else is unknown. */
export function signatureHash(version: string | undefined): SignatureHash | undefined {
  if (version === '1') return 'SHA-1';
  if (version === '2') return 'SHA-256';
  return undefined;
}

/**
 * `Key\nValue\n` for each signed key present, values exactly as received. The signature is over
 * its UTF-8 bytes; it is returned as text so that a runtime's verifier encodes it natively.
 */
export function stringToSign(message: SnsMessage): string {
  const keys = message.Type === 'Notification' ? NOTIFICATION_KEYS : CONFIRMATION_KEYS;
  let text = '';
  for (const key of keys) {
    const value = message[key];
    // Only Subject is optional; the envelope schema guarantees the others.
    if (value === undefined) continue;
    text += `${key}\n${value}\n`;
  }
  return text;
}
