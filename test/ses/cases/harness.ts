/** Runtime-neutral test plumbing for the verification cases: no test framework, throws on failure. */
import { type HttpError, isHttpError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { parseSnsEnvelope, type SnsMessage } from '../../../src/providers/ses/sns/envelope.js';
import {
  createSnsVerifier,
  type SnsVerifierOptions,
} from '../../../src/providers/ses/sns/verify.js';
import type { RsaVerify } from '../../../src/runtime-hooks.js';
import type { SnsBody } from '../../helpers/signing.js';

/** One case: a behaviour name and a body that throws when the behaviour is missing. */
export interface VerifyCase {
  readonly name: string;
  readonly run: () => Promise<void>;
}

/** Collects cases under a group name. */
export function group(prefix: string) {
  const cases: VerifyCase[] = [];
  const add = (name: string, run: () => Promise<void>) => {
    cases.push({ name: `${prefix}: ${name}`, run });
  };
  return { cases, add };
}

export function fail(message: string): never {
  throw new Error(message);
}

export function assertEqual<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected) {
    fail(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

const _describe = (result: HttpError | undefined) =>
  result ? `${result.status} ${result.reason} (${result.message})` : 'accepted';

export function assertAccepted(result: HttpError | undefined): void {
  if (result !== undefined) fail(`expected the message to be accepted, got ${_describe(result)}`);
}

export function assertRefused(result: HttpError | undefined, status: number, reason: string): void {
  if (result?.status !== status || result.reason !== reason) {
    fail(`expected ${status} ${reason}, got ${_describe(result)}`);
  }
}

/** Parses a body (JSON text or object) as the handler would; throws on a 400. */
export function parseMessage(body: string | SnsBody): SnsMessage {
  const parsed = parseSnsEnvelope(typeof body === 'string' ? body : JSON.stringify(body));
  if (isHttpError(parsed)) fail(`fixture is not an SNS envelope: ${parsed.message}`);
  return parsed;
}

// The RSA check the running case's verifiers use: a runtime's own (withVerifyRsa), or crypto.subtle.
let _verifyRsa: RsaVerify | undefined;

/** The same cases, each run with `verifyRsa` (a runtime adapter's own) verifying the signature. */
export function withVerifyRsa(
  verifyRsa: RsaVerify,
  cases: readonly VerifyCase[],
): readonly VerifyCase[] {
  return cases.map(({ name, run }) => ({
    name,
    run: async () => {
      _verifyRsa = verifyRsa;
      try {
        await run();
      } finally {
        _verifyRsa = undefined;
      }
    },
  }));
}

/** A verifier with test defaults: signature on, 3900 s age limit, the real clock. */
export function verifierFor(
  fetchFn: typeof fetch,
  options: Partial<Omit<SnsVerifierOptions, 'fetch'>> = {},
) {
  return createSnsVerifier({
    verifySignature: true,
    maxAgeSeconds: 3900,
    now: () => new Date(),
    logger: silentLogger,
    fetch: fetchFn,
    verifyRsa: _verifyRsa,
    ...options,
  });
}

/** Verifies one body with a fresh verifier. */
export async function verifyOnce(
  fetchFn: typeof fetch,
  body: SnsBody,
  options: Partial<Omit<SnsVerifierOptions, 'fetch'>> = {},
): Promise<HttpError | undefined> {
  return verifierFor(fetchFn, options)(parseMessage(body));
}
