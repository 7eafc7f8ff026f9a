/** A small DER reader for X.509 certificates: public key, validity and names, nothing more. */
import { canonicalUtc } from '../../../timestamp.js';
import { decodePaddedBase64, encodeHex } from '../../base64.js';

/** What the SNS verifier needs from a certificate. */
export interface Certificate {
  /** The DER subjectPublicKeyInfo, ready for `crypto.subtle.importKey('spki', …)`. */
  readonly spki: Uint8Array<ArrayBuffer>;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly commonNames: readonly string[];
  readonly dnsNames: readonly string[];
}

/** Thrown for anything that is not a well-formed certificate. */
export class CertificateError extends Error {
  override readonly name = 'CertificateError';
}

interface Tlv {
  readonly tag: number;
  /** Where the tag byte is. */
  readonly offset: number;
  /** Where the contents start and end. */
  readonly start: number;
  readonly end: number;
}

const SEQUENCE = 0x30;
const SET = 0x31;
const OID = 0x06;
const OID_COMMON_NAME = '550403';
const OID_SUBJECT_ALT_NAME = '551d11';
const OID_BASIC_CONSTRAINTS = '551d13';
const OID_RSA_ENCRYPTION = '2a864886f70d010101';
const DNS_NAME = 0x82;
// UTF8String, PrintableString, TeletexString (AWS's own CN is one), IA5String
const STRING_TAGS = [0x0c, 0x13, 0x14, 0x16];

const _fail = (what: string): never => {
  throw new CertificateError(`malformed certificate: ${what}`);
};

function _readTlv(bytes: Uint8Array, offset: number, limit: number): Tlv {
  if (offset + 2 > limit) _fail('truncated element');
  const tag = bytes[offset] as number;
  if ((tag & 0x1f) === 0x1f) _fail('multi-byte tag');
  let length = bytes[offset + 1] as number;
  let start = offset + 2;
  if (length >= 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) _fail('unsupported length');
    if (start + count > limit) _fail('truncated length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[start + i] as number);
    start += count;
  }
  if (start + length > limit) _fail('element longer than its container');
  return { tag, offset, start, end: start + length };
}

function _children(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const children: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const child = _readTlv(bytes, at, parent.end);
    children.push(child);
    at = child.end;
  }
  return children;
}

function _expect(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (!tlv || tlv.tag !== tag) return _fail(`expected ${what}`);
  return tlv;
}

const _hex = (bytes: Uint8Array, tlv: Tlv): string => encodeHex(bytes.subarray(tlv.start, tlv.end));

const _text = (bytes: Uint8Array, tlv: Tlv): string =>
  new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(
    bytes.subarray(tlv.start, tlv.end),
  );

/** A GeneralizedTime's text (and a UTCTime's, once its century is put in front). */
const TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;

function _time(bytes: Uint8Array, tlv: Tlv | undefined): Date {
  const utc = tlv?.tag === 0x17;
  if (!tlv || (!utc && tlv.tag !== 0x18)) return _fail('validity time');
  const text = _text(bytes, tlv);
  // RFC 5280: a two-digit UTCTime year below 50 is 20YY, otherwise 19YY (a text that does not
  // start with a digit fails the pattern whichever is put in front).
  const time = utc ? (text < '5' ? '20' : '19') + text : text;
  if (!TIME.test(time)) return _fail('validity time');
  // Read as the same instant's ISO text is: a day or hour that does not exist, or a year below
  // 100, is refused rather than rolled over.
  const ms = canonicalUtc(time.replace(TIME, '$1-$2-$3T$4:$5:$6Z'));
  return ms === undefined ? _fail('validity time out of range') : new Date(ms);
}

function _commonNames(bytes: Uint8Array, name: Tlv): string[] {
  const names: string[] = [];
  for (const set of _children(bytes, name)) {
    _expect(set, SET, 'name attribute set');
    for (const attribute of _children(bytes, set)) {
      const [type, value] = _children(bytes, _expect(attribute, SEQUENCE, 'name attribute'));
      if (_hex(bytes, _expect(type, OID, 'attribute type')) !== OID_COMMON_NAME) continue;
      if (value && STRING_TAGS.includes(value.tag)) names.push(_text(bytes, value));
    }
  }
  return names;
}

/** The value (inside its OCTET STRING) of the extension `oid`, read as one TLV; undefined if absent. */
function _extension(bytes: Uint8Array, extensions: Tlv | undefined, oid: string): Tlv | undefined {
  if (!extensions) return undefined;
  const list = _expect(_children(bytes, extensions)[0], SEQUENCE, 'extension list');
  for (const extension of _children(bytes, list)) {
    const parts = _children(bytes, _expect(extension, SEQUENCE, 'extension'));
    if (_hex(bytes, _expect(parts[0], OID, 'extension id')) !== oid) continue;
    const value = _expect(parts[parts.length - 1], 0x04, 'extension value');
    return _readTlv(bytes, value.start, value.end);
  }
  return undefined;
}

function _dnsNames(bytes: Uint8Array, extensions: Tlv | undefined): string[] {
  const altNames = _extension(bytes, extensions, OID_SUBJECT_ALT_NAME);
  if (!altNames) return [];
  return _children(bytes, _expect(altNames, SEQUENCE, 'alt names'))
    .filter((altName) => altName.tag === DNS_NAME)
    .map((altName) => _text(bytes, altName));
}

function _rsaSpki(bytes: Uint8Array, spki: Tlv | undefined): Uint8Array<ArrayBuffer> {
  const key = _expect(spki, SEQUENCE, 'subjectPublicKeyInfo');
  const algorithm = _expect(_children(bytes, key)[0], SEQUENCE, 'key algorithm');
  const oid = _expect(_children(bytes, algorithm)[0], OID, 'key algorithm id');
  if (_hex(bytes, oid) !== OID_RSA_ENCRYPTION) _fail('the public key is not RSA');
  return bytes.slice(key.offset, key.end);
}

/** Reads a DER certificate; throws `CertificateError` when it is not one. */
export function parseCertificate(der: Uint8Array): Certificate {
  const certificate = _expect(_readTlv(der, 0, der.length), SEQUENCE, 'certificate');
  if (certificate.end !== der.length) _fail('trailing bytes');
  const tbs = _expect(_children(der, certificate)[0], SEQUENCE, 'tbsCertificate');
  const fields = _children(der, tbs);
  if (fields[0]?.tag === 0xa0) fields.shift(); // explicit version
  const [serial, , , validity, subject, spki, ...optional] = fields;
  _expect(serial, 0x02, 'serial number');
  const [notBefore, notAfter] = _children(der, _expect(validity, SEQUENCE, 'validity'));
  return {
    spki: _rsaSpki(der, spki),
    notBefore: _time(der, notBefore),
    notAfter: _time(der, notAfter),
    commonNames: _commonNames(der, _expect(subject, SEQUENCE, 'subject')),
    dnsNames: _dnsNames(
      der,
      optional.find((field) => field.tag === 0xa3),
    ),
  };
}

/**
 * What a certificate's basicConstraints says: true for a CA, false for an end entity, undefined
 * when it has none (a v1 certificate, or one made by hand). Throws `CertificateError`.
 */
export function basicConstraintsCa(der: Uint8Array): boolean | undefined {
  const certificate = _expect(_readTlv(der, 0, der.length), SEQUENCE, 'certificate');
  const tbs = _expect(_children(der, certificate)[0], SEQUENCE, 'tbsCertificate');
  const extensions = _children(der, tbs).find((field) => field.tag === 0xa3);
  const constraints = _extension(der, extensions, OID_BASIC_CONSTRAINTS);
  if (!constraints) return undefined;
  // cA BOOLEAN DEFAULT FALSE comes first when present.
  const ca = _children(der, _expect(constraints, SEQUENCE, 'constraints'))[0];
  return ca?.tag === 0x01 && der[ca.start] !== 0;
}

/** The signed part of a certificate and its issuer's signature over it, to check who issued it. */
export interface SignedParts {
  /** The DER tbsCertificate: the bytes the issuer signed. */
  readonly tbs: Uint8Array<ArrayBuffer>;
  /** The signature algorithm's OID as spaced hex (`2a 86 48 86 f7 0d 01 01 0b` is sha256WithRSA). */
  readonly algorithm: string;
  readonly signature: Uint8Array<ArrayBuffer>;
}

/** Reads the tbsCertificate, signature algorithm and signature of a DER certificate; throws `CertificateError`. */
export function signedParts(der: Uint8Array): SignedParts {
  const certificate = _expect(_readTlv(der, 0, der.length), SEQUENCE, 'certificate');
  if (certificate.end !== der.length) _fail('trailing bytes');
  const [first, algorithm, signature] = _children(der, certificate);
  const tbs = _expect(first, SEQUENCE, 'tbsCertificate');
  const algorithmId = _children(der, _expect(algorithm, SEQUENCE, 'signature algorithm'))[0];
  const oid = _expect(algorithmId, OID, 'signature algorithm id');
  const bits = _expect(signature, 0x03, 'signature');
  // A BIT STRING's first byte counts unused bits: a signature has none.
  if (bits.end <= bits.start || der[bits.start] !== 0) _fail('signature bits');
  return {
    tbs: der.slice(tbs.offset, tbs.end),
    algorithm: _hex(der, oid).replace(/(..)(?=.)/g, '$1 '),
    signature: der.slice(bits.start + 1, bits.end),
  };
}

/** The DER bytes of the first certificate in a PEM text; throws `CertificateError`. */
export function pemToDer(pem: string): Uint8Array<ArrayBuffer> {
  const match = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem);
  const der = match ? decodePaddedBase64((match[1] as string).replace(/\s+/g, '')) : undefined;
  return der ?? _fail('not a PEM certificate');
}
