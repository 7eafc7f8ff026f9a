/** Per-verifier cache of SNS signing certificates: one download per URL, bounded, failures not kept. */
import {
  type FetchFn,
  forbidden,
  type HttpError,
  isHttpError,
  unavailable,
} from '../../../errors.js';
import type { Logger } from '../../../log.js';
import { MIN_RSA_BITS } from '../../../runtime-hooks.js';
import { DEFAULT_FETCH_TIMEOUT_MS } from '../../types.js';
import type { SignatureHash } from './string-to-sign.js';
import { timedGet } from './timed-fetch.js';
import { type Certificate, parseCertificate, pemToDer } from './x509.js';

/** A downloaded, parsed certificate and its public key, imported once per hash on first use. */
export interface SigningCert {
  readonly certificate: Certificate;
  /** The RSA key for `hash`, or `undefined` when the runtime refuses to import it. */
  key(hash: SignatureHash): Promise<CryptoKey | undefined>;
}

export interface KeyCacheOptions {
  readonly fetch: FetchFn;
  readonly logger: Logger;
  /** How many certificate URLs to keep; the least recently used goes first. */
  readonly maxEntries?: number | undefined;
  /** Deadline for one certificate download. */
  readonly timeoutMs?: number | undefined;
  /**
   * A further check of each downloaded certificate (its DER, and the parsed certificate the cache
   * keeps), run once per download: a refusal is returned instead of the certificate and not kept.
   * Scaleway checks the issuer here.
   */
  readonly check?:
    | ((der: Uint8Array<ArrayBuffer>, certificate: Certificate) => Promise<HttpError | undefined>)
    | undefined;
}

export const DEFAULT_MAX_CERTS = 32;
// A real SNS certificate is under 3 KB; anything this large is not one.
const MAX_PEM_CHARS = 64 * 1024;

/**
 * An RSA public key imported for verification once per hash, on first use; `undefined` when the
 * runtime refuses it or its modulus is under `MIN_RSA_BITS`.
 */
export function rsaKeyPerHash<H extends string>(
  spki: Uint8Array<ArrayBuffer>,
): (hash: H) => Promise<CryptoKey | undefined> {
  const keys = new Map<H, Promise<CryptoKey | undefined>>();
  return (hash) => {
    let key = keys.get(hash);
    if (!key) {
      key = crypto.subtle
        .importKey('spki', spki, { name: 'RSASSA-PKCS1-v1_5', hash }, false, ['verify'])
        .then(
          (imported) =>
            (imported.algorithm as unknown as { modulusLength: number }).modulusLength <
            MIN_RSA_BITS
              ? undefined
              : imported,
          () => undefined,
        );
      keys.set(hash, key);
    }
    return key;
  };
}

const _signingCert = (certificate: Certificate): SigningCert => ({
  certificate,
  key: rsaKeyPerHash(certificate.spki),
});

async function _load(url: string, options: KeyCacheOptions): Promise<SigningCert | HttpError> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  // Read no further than the size limit: under Scaleway's rule the URL may be anyone's bucket.
  const result = await timedGet(options.fetch, url, timeoutMs, MAX_PEM_CHARS);
  if (!result.ok && result.tooLarge) {
    return forbidden('cert-invalid', `signing certificate ${url} is larger than a certificate`);
  }
  if (!result.ok) {
    // The runtime's error text (a proxy's address, say) goes to the log line only.
    return unavailable(
      'cert-unavailable',
      `signing certificate ${url} could not be downloaded; retry later`,
      { problem: result.problem },
    );
  }
  if (result.status !== 200) {
    // Down right now (5xx, 408, 429) is not a forgery: 503, and SNS retries. A URL that serves
    // no certificate (404, 403, a redirect) will not serve one on a retry: refused.
    const transient = result.status >= 500 || result.status === 408 || result.status === 429;
    return transient
      ? unavailable('cert-unavailable', `signing certificate ${url} answered HTTP ${result.status}`)
      : forbidden(
          'cert-invalid',
          `signing certificate ${url} answered HTTP ${result.status}: no certificate there`,
        );
  }
  let der: Uint8Array<ArrayBuffer>;
  let certificate: Certificate;
  try {
    if (result.body.length > MAX_PEM_CHARS) throw new Error();
    der = pemToDer(result.body);
    certificate = parseCertificate(der);
  } catch {
    return forbidden(
      'cert-invalid',
      `signing certificate ${url} is not a readable RSA X.509 certificate`,
    );
  }
  const refused = await options.check?.(der, certificate);
  return refused ?? _signingCert(certificate);
}

/** A certificate URL's certificate, or a refusal; `has` and `forget` for one URL's entry. */
export interface KeyCache {
  (url: string): Promise<SigningCert | HttpError>;
  /** Whether `url` is kept (downloaded, or being downloaded). */
  has(url: string): boolean;
  /** Drops `url`, so the next call downloads it again (a certificate rotated at its URL). */
  forget(url: string): void;
}

/**
 * Creates a cache that resolves a certificate URL to its certificate, or to a refusal
 * (503 cert-unavailable, 403 cert-invalid). Concurrent first requests share one download.
 */
export function createKeyCache(options: KeyCacheOptions): KeyCache {
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_CERTS;
  const entries = new Map<string, Promise<SigningCert | HttpError>>();
  // The URL used last, already at the end: SNS signs a run of messages with one certificate, and
  // moving it there again on every message made the Map rebuild its table every few messages
  // (0.6 to 1 µs a message in process on Node).
  let newest: string | undefined;
  const cache = (url: string) => {
    const cached = entries.get(url);
    if (cached) {
      // Re-insert so Map order is least recently used first.
      if (url !== newest) {
        entries.delete(url);
        entries.set(url, cached);
        newest = url;
      }
      return cached;
    }
    options.logger.debug('downloading SNS signing certificate', { certUrl: url });
    const pending = _load(url, options).then((result) => {
      if (isHttpError(result) && entries.get(url) === pending) entries.delete(url);
      return result;
    });
    entries.set(url, pending);
    newest = url;
    for (const oldest of entries.keys()) {
      if (entries.size <= maxEntries) break;
      entries.delete(oldest);
    }
    return pending;
  };
  return Object.assign(cache, {
    has: (url: string) => entries.has(url),
    forget: (url: string) => void entries.delete(url),
  });
}
