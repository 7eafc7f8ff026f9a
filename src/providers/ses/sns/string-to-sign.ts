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

const encoder = new TextEncoder();

/** The hash for a SignatureVersion: "1" is SHA-1, "2" is SHA-256, anything else is unknown. */
export function signatureHash(version: string | undefined): SignatureHash | undefined {
  if (version === '1') return 'SHA-1';
  if (version === '2') return 'SHA-256';
  return undefined;
}

/** `Key\nValue\n` for each signed key present, values exactly as received, UTF-8 encoded. */
export function stringToSign(message: SnsMessage): Uint8Array<ArrayBuffer> {
  const keys = message.Type === 'Notification' ? NOTIFICATION_KEYS : CONFIRMATION_KEYS;
  let text = '';
  for (const key of keys) {
    const value = message[key];
    // Only Subject is optional; the envelope schema guarantees the others.
    if (value === undefined) continue;
    text += `${key}\n${value}\n`;
  }
  // A cast only: Workers types widen the buffer to ArrayBufferLike, but it is always an ArrayBuffer.
  return encoder.encode(text) as Uint8Array<ArrayBuffer>;
}
