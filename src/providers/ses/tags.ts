/** Tags and metadata from the three SES sources: X-Tag / X-Metadata headers and `mail.tags`. */
import type { Logger } from '../../log.js';
import { setOwn } from '../../schema.js';
import { isObject, stringRecord } from '../fields.js';
import type { Mail } from './schema.js';

const METADATA_HEADER_PREFIX = 'x-metadata-';

/** `X-Tag` headers, then `mail.tags` entries that are neither `ses:` nor `metadata:`. */
export function tagsOf(mail: Pick<Mail, 'headers' | 'tags'>): string[] {
  const tags: string[] = [];
  if (mail.headers) {
    for (const header of mail.headers) {
      if (header.name.length === 5 && header.name.toLowerCase() === 'x-tag') {
        tags.push(header.value.trim());
      }
    }
  }
  // `for...in` over the keys: SES's own `ses:` tags, nearly all of them, cost no entry arrays.
  const all = mail.tags;
  for (const name in all) {
    if (name.startsWith('ses:') || name.startsWith('metadata:')) continue;
    const values = all[name] ?? [];
    if (values.length === 0) tags.push(name);
    for (const value of values) tags.push(value === 'true' ? name : `${name}:${value}`);
  }
  if (tags.length === 0) return tags;
  return tags.length === 1 && tags[0] ? tags : [...new Set(tags.filter(Boolean))];
}

function _jsonMetadata(value: string, logger: Logger): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(value);
    if (!isObject(parsed)) throw new Error();
    // Own keys: `__proto__` stays a plain key here; merged below by setOwn.
    return stringRecord(parsed);
  } catch {
    // The sender's own header: a bad one costs its metadata, not the event.
    logger.warn('ignored an X-Metadata header that is not a JSON object', { value });
    return {};
  }
}

/**
 * `X-Metadata` (JSON object) and `X-Metadata-<Key>` headers in the order sent, then
 * `metadata:<key>` tags; a key set twice keeps the later value.
 */
export function metadataOf(
  mail: Pick<Mail, 'headers' | 'tags'>,
  logger: Logger,
): Record<string, string> {
  const metadata: Record<string, string> = {};
  if (mail.headers === undefined && mail.tags === undefined) return metadata;
  for (const header of mail.headers ?? []) {
    // Only names starting with x or X can match: the rest (From, To, Subject, …) are not lowercased.
    if ((header.name.charCodeAt(0) | 0x20) !== 0x78) continue;
    const name = header.name.toLowerCase();
    if (name === 'x-metadata') {
      for (const [k, v] of Object.entries(_jsonMetadata(header.value, logger)))
        setOwn(metadata, k, v);
    } else if (
      name.startsWith(METADATA_HEADER_PREFIX) &&
      name.length > METADATA_HEADER_PREFIX.length
    ) {
      setOwn(metadata, header.name.slice(METADATA_HEADER_PREFIX.length), header.value);
    }
  }
  const all = mail.tags;
  for (const name in all) {
    if (name.startsWith('metadata:') && name.length > 'metadata:'.length) {
      setOwn(metadata, name.slice('metadata:'.length), (all[name] ?? []).join(','));
    }
  }
  return metadata;
}
