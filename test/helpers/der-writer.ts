/** A tiny DER writer for building X.509 certificates in tests (crypto.subtle and TextEncoder only). */

const encoder = new TextEncoder();

function _length(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return [0x80 | bytes.length, ...bytes];
}

/** One TLV element with the given tag around the concatenated contents. */
export function der(tag: number, ...contents: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const size = contents.reduce((sum, part) => sum + part.length, 0);
  const header = [tag, ..._length(size)];
  const out = new Uint8Array(header.length + size);
  out.set(header, 0);
  let at = header.length;
  for (const part of contents) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export const sequence = (...items: Uint8Array[]) => der(0x30, ...items);
export const set = (...items: Uint8Array[]) => der(0x31, ...items);
export const explicit = (n: number, item: Uint8Array) => der(0xa0 | n, item);
export const nullValue = () => der(0x05);
export const utf8String = (text: string) => der(0x0c, encoder.encode(text));
export const octetString = (bytes: Uint8Array) => der(0x04, bytes);
export const bitString = (bytes: Uint8Array) => der(0x03, Uint8Array.of(0), bytes);
export const dnsName = (name: string) => der(0x82, encoder.encode(name));

/** A non-negative INTEGER from big-endian bytes. */
export function integer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const high = (bytes[0] ?? 0) >= 0x80;
  return der(0x02, high ? Uint8Array.of(0, ...bytes) : bytes);
}

/** An OBJECT IDENTIFIER from its dotted form. */
export function oid(dotted: string): Uint8Array<ArrayBuffer> {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const groups = [arc & 0x7f];
    for (let value = arc >>> 7; value > 0; value >>>= 7) groups.unshift(0x80 | (value & 0x7f));
    bytes.push(...groups);
  }
  return der(0x06, Uint8Array.from(bytes));
}

/** UTCTime for 1950–2049, GeneralizedTime otherwise, as RFC 5280 asks. */
export function time(date: Date): Uint8Array<ArrayBuffer> {
  const iso = date.toISOString(); // 2026-07-02T10:11:12.000Z
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return der(0x17, encoder.encode(digits.slice(2)));
  return der(0x18, encoder.encode(digits));
}

/** A Name holding one CommonName. */
export const commonName = (cn: string) => sequence(set(sequence(oid('2.5.4.3'), utf8String(cn))));
