/** The SigningCertURL rule for Scaleway: https on a host under scw.cloud, checked before any fetch. */
import { forbidden, type HttpError } from '../../errors.js';
import { isUrlProblem, readHttpsUrl } from '../ses/sns/https-url.js';

// Lower-case DNS labels ending in .scw.cloud. The host only bounds where we fetch from (anyone
// can name an Object Storage bucket there): the chain to the trust anchors proves the sender.
const SCW_HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+scw\.cloud$/;

const _refuse = (rule: string, raw: string, detail: string): HttpError =>
  forbidden(`cert-url-${rule}`, `SigningCertURL ${JSON.stringify(raw)} ${detail}`);

/**
 * The URL to download, or a refusal: cert-url-invalid, -scheme, -credentials, -port, -fragment,
 * -query, -host, -path.
 */
export function checkScalewayCertUrl(raw: string): string | HttpError {
  const parts = readHttpsUrl(raw);
  if (isUrlProblem(parts)) return _refuse(parts.fault, raw, parts.detail);
  if (parts.query !== undefined) return _refuse('query', raw, 'has a query (?)');
  if (!SCW_HOST.test(parts.host) || parts.url.hostname !== parts.host) {
    return _refuse('host', raw, 'is not on a host under scw.cloud');
  }
  // URL would resolve dot segments and percent-escapes: the path must already be in final form.
  if (!parts.path.startsWith('/') || parts.path.length < 2 || parts.url.pathname !== parts.path) {
    return _refuse('path', raw, 'has no plain path to a certificate');
  }
  return parts.url.href;
}
