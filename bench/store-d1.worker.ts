/** The D1 half of bench/store.bench.ts: a Worker that runs the store loop next to its D1, in workerd. */
import { createD1Store, type EmailTrackingContext } from '../src/index.js';
import type { D1DatabaseLike } from '../src/store/database.js';
import { sampleContext } from '../test/sinks/samples.js';

let serial = 0;
const request = (size: number): EmailTrackingContext[] => {
  const eventId = `bench-${++serial}`;
  const rawEvent = { eventType: 'Bounce', bounce: { bounceType: 'Permanent' } };
  return Array.from({ length: size }, (_, i) =>
    sampleContext({ eventId, recipient: `r${serial}-${i}@example.com`, rawEvent }),
  );
};

export default {
  async fetch(req: Request, env: { MAIL_WEBHOOK_DB: D1DatabaseLike }): Promise<Response> {
    const size = Number(new URL(req.url).searchParams.get('size') ?? '1');
    const store = createD1Store(env.MAIL_WEBHOOK_DB);
    const run = async () => store.markDelivered(await store.record(request(size)));
    for (let i = 0; i < 20; i++) await run();
    const requests = Math.max(20, Math.floor(3000 / size));
    const started = Date.now();
    for (let i = 0; i < requests; i++) await run();
    // Workers freeze Date.now() between I/O, but every D1 call is I/O, so it advances.
    return Response.json({ perSecond: (requests * size) / ((Date.now() - started) / 1000) });
  },
};
