/** The SigningCertURL rules: an https URL on an SNS host with the exact SNS certificate path. */
import { forbidden, type HttpError } from '../../../errors.js';
import { isUrlProblem, readHttpsUrl } from './https-url.js';
import { parseSnsHost, type SnsHost } from './sns-host.js';

/** A certificate URL that passed every rule, with the SNS host it names. */
export interface CertUrl {
  readonly href: string;
  readonly host: SnsHost;
}

const CERT_PATH = /^\/SimpleNotificationService-[0-9a-f]{32}\.pem$/;

// SNS signs with a handful of certificates, each at one URL: a URL that passed is remembered, so
// a message does not parse it again (the result depends on the text alone). At most 64, then all
// are forgotten at once.
const _passed = new Map<string, CertUrl>();
const _PASSED_MAX = 64;

const _refuse = (rule: string, raw: string, detail: string): HttpError =>
  forbidden(`cert-url-${rule}`, `SigningCertURL ${JSON.stringify(raw)} ${detail}`);

/**
 * Checks a SigningCertURL before anything is downloaded from it.
 * Reasons: cert-url-invalid, -scheme, -credentials, -port, -fragment, -query, -host, -path.
 */
export function checkCertUrl(raw: string): CertUrl | HttpError {
  const known = _passed.get(raw);
  if (known) return known;
  const parts = readHttpsUrl(raw);
  if (isUrlProblem(parts)) return _refuse(parts.fault, raw, parts.detail);
  if (parts.query !== undefined) return _refuse('query', raw, 'has a query (?)');
  const host = parseSnsHost(parts.host);
  if (!host || parts.url.hostname !== parts.host) {
    return _refuse('host', raw, 'is not on an SNS host (sns.<region>.amazonaws.com, .com.cn, .eu)');
  }
  if (!CERT_PATH.test(parts.path) || parts.url.pathname !== parts.path) {
    return _refuse('path', raw, 'is not /SimpleNotificationService-<32 hex>.pem');
  }
  const passed = { href: parts.url.href, host };
  if (_passed.size >= _PASSED_MAX) _passed.clear();
  _passed.set(raw, passed);
  return passed;
}
