/**
 * A complete provider of your own, for an ESP mailhooks does not ship ("Acme Mail"): it checks a
 * bearer token before the body is read, then turns Acme's JSON into per-recipient events.
 *
 * Acme POSTs `{ "id", "type", "message_id", "recipients": [...], "occurred_at", "tags"? }` with
 * `Authorization: Bearer <token>`. Use it like a built-in provider:
 *
 *   const handle = createMailWebhookHandler({
 *     providers: [ses({ topicArns: [...] }), acmeMail({ token: env.ACME_WEBHOOK_TOKEN })],
 *   });
 *
 * In your project the import below reads `from 'mailhooks'`; here it points at the source so the
 * test suite runs this very file.
 */
import {
  defineProvider,
  type EmailTrackingContext,
  type TrackingEventType,
  refuse,
} from '../src/index.js';

const TYPES: Readonly<Record<string, TrackingEventType>> = {
  delivered: 'delivered',
  bounced: 'bounced',
  opened: 'opened',
  clicked: 'clicked',
  complained: 'complained',
};

/** Compares two strings in constant time by comparing their SHA-256 digests. */
async function sameSecret(a: string, b: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [x, y] = await Promise.all(
    [a, b].map(async (s) => new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(s)))),
  );
  let difference = 0;
  for (let i = 0; i < 32; i++) difference |= (x?.[i] ?? 0) ^ (y?.[i] ?? 0);
  return difference === 0;
}

/** The Acme Mail provider, mounted at `{basePath}/acme-mail`, or at `path` (to mount it twice). */
export function acmeMail(options: { token: string; path?: string }) {
  return defineProvider({
    name: 'acme-mail',
    path: options.path,
    methods: ['POST'],

    // Runs before a byte of the body is read: a caller without the token costs nothing.
    async authenticate(request) {
      const header = request.headers.get('authorization');
      if (!header?.startsWith('Bearer ')) {
        return refuse(401, 'credentials-required', 'send Authorization: Bearer <token>', {
          'www-authenticate': 'Bearer realm="mailhooks"',
        });
      }
      if (!(await sameSecret(header.slice('Bearer '.length), options.token))) {
        return refuse(403, 'secret-mismatch', 'the bearer token is not the configured one');
      }
      return undefined;
    },

    handle(_request, body, { logger }) {
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(new TextDecoder().decode(body));
      } catch {
        return refuse(400, 'invalid-json', 'the body is not JSON');
      }
      const { id, type, message_id: messageId, recipients, occurred_at: at } = event;
      if (typeof id !== 'string' || typeof messageId !== 'string' || !Array.isArray(recipients)) {
        return refuse(400, 'invalid-event', 'expected id, message_id and recipients');
      }
      const timestamp = new Date(typeof at === 'string' ? at : Number.NaN);
      if (Number.isNaN(timestamp.getTime())) {
        return refuse(400, 'invalid-timestamp', 'occurred_at is not an ISO 8601 date');
      }
      // Object.hasOwn: a type named `constructor` must not find Object.prototype's.
      const eventType = Object.hasOwn(TYPES, String(type)) ? (TYPES[String(type)] as TrackingEventType) : 'unknown';
      if (eventType === 'unknown') logger.warn('unknown Acme event type', { type: String(type) });
      const bounced = eventType === 'bounced';
      const events = recipients
        .filter((r): r is string => typeof r === 'string')
        .map(
          (recipient): EmailTrackingContext => ({
            eventType,
            messageId,
            recipient,
            timestamp,
            espName: 'acme-mail',
            tags: Array.isArray(event.tags) ? event.tags.map(String) : [],
            metadata: {},
            rejectReason: null,
            description: null,
            clickUrl: typeof event.url === 'string' ? event.url : null,
            userAgent: null,
            rawEvent: event,
            eventId: id,
            mtaResponse: null,
            rejectCategory: bounced ? 'bounced' : eventType === 'complained' ? 'spam' : null,
            permanent: bounced ? true : null,
          }),
        );
      return { events };
    },
  });
}
