/** What both of round 25's delivery files (Node's and Bun's) build their events from. */
import { decodeTrackingEvent, defineProvider } from '../../src/index.js';

/** A provider whose body is a JSON array of wire contexts, so each test chooses its events. */
export const acme = defineProvider({
  name: 'acme',
  methods: ['POST'],
  async handle(_request: Request, body: Uint8Array) {
    const list = JSON.parse(new TextDecoder().decode(body)) as object[];
    return { events: list.map((w) => decodeTrackingEvent(w)) };
  },
});

/** A wire object of a delivered event, with `over` on top. */
export function wire(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventType: 'delivered',
    messageId: 'msg-1',
    recipient: 'jane@example.com',
    timestamp: '2024-05-01T10:00:00.000Z',
    espName: 'acme',
    tags: [],
    metadata: {},
    rejectReason: null,
    description: null,
    clickUrl: null,
    userAgent: null,
    rawEvent: { id: 'raw' },
    eventId: 'evt-1',
    mtaResponse: null,
    rejectCategory: null,
    permanent: null,
    ...over,
  };
}
