/**
 * Mailgun signs only `timestamp + token`, not the event: a signature block read once (a log, a
 * proxy) could be sent again with any event data. Each signed `timestamp + token` verified here
 * is bound to the body it came with; the same one with another body is refused. Mailgun's
 * retries resend the same body, so they pass. Bounded: the oldest are forgotten first. In memory,
 * per handler: a new Worker isolate or a restarted server starts with none.
 */
import { forbidden, type HttpError } from '../../errors.js';
import { sha256 } from '../base64.js';

const _MAX_TOKENS = 10_000;

const _digest = async (bytes: Uint8Array): Promise<string> =>
  String.fromCharCode(...(await sha256(bytes)));

/** A per-handler guard: resolves to a refusal when `token` was seen with different bytes. */
export function createTokenGuard(
  max = _MAX_TOKENS,
): (token: string, body: Uint8Array) => Promise<HttpError | undefined> {
  const seen = new Map<string, string>();
  return async (token, body) => {
    const digest = await _digest(body);
    const earlier = seen.get(token);
    if (earlier === undefined) {
      if (seen.size >= max) seen.delete(seen.keys().next().value as string);
      seen.set(token, digest);
      return undefined;
    }
    if (earlier === digest) return undefined;
    return forbidden(
      'signature-replayed',
      'this signature block was already used with another event (Mailgun signs only timestamp and token)',
    );
  };
}
