/** Whether a signing certificate may sign for an SNS host at a given time. */
import { forbidden, type HttpError } from '../../../errors.js';
import type { SnsHost } from './sns-host.js';
import type { Certificate } from './x509.js';

/** The names an SNS signing certificate may carry for messages signed through `host`. */
export function acceptedCertNames(host: SnsHost): readonly string[] {
  const regional = `${host.region}.${host.suffix}`;
  // sns.amazonaws.com is what AWS's certificates name today, on every partition.
  return ['sns.amazonaws.com', `sns.${regional}`, `sns-signing.${regional}`];
}

/** Refuses a certificate that names no SNS host for `host`, or is not valid at `now`. */
export function checkCertificate(
  certificate: Certificate,
  host: SnsHost,
  now: Date,
): HttpError | undefined {
  const accepted = acceptedCertNames(host);
  const names = [...certificate.dnsNames, ...certificate.commonNames];
  if (!names.some((name) => accepted.includes(name.toLowerCase()))) {
    return forbidden(
      'cert-name',
      `signing certificate names ${names.join(', ') || 'nothing'}, not an SNS host (${accepted.join(', ')})`,
    );
  }
  return checkValidity(certificate, now);
}

/** Refuses a certificate that is not valid at `now` (403 cert-not-yet-valid / cert-expired). */
export function checkValidity(
  certificate: Pick<Certificate, 'notBefore' | 'notAfter'>,
  now: Date,
  what = 'signing certificate',
): HttpError | undefined {
  if (now.getTime() < certificate.notBefore.getTime()) {
    return forbidden(
      'cert-not-yet-valid',
      `${what} is valid only from ${certificate.notBefore.toISOString()}`,
    );
  }
  if (now.getTime() > certificate.notAfter.getTime()) {
    return forbidden('cert-expired', `${what} expired at ${certificate.notAfter.toISOString()}`);
  }
  return undefined;
}
