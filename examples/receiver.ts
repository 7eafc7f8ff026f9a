/**
 * A fan-out receiver to try the queue walkthrough with (docs/sinks.md, "SES → queue → two signed
 * endpoints, locally"): verifies each POST with `mailhooks/receiver` and logs what arrived.
 *
 *   PORT=9001 MAILHOOKS_SECRET=<the CRM key from .dev.vars> npx bun examples/receiver.ts
 *   PORT=9002 MAILHOOKS_SECRET=<the ALERTS key from .dev.vars> npx bun examples/receiver.ts
 */
import { verifyTrackingWebhook, WebhookVerificationError } from '../src/receiver.js';

declare const Bun: {
  serve(options: {
    port: number;
    hostname: string;
    fetch: (request: Request) => Promise<Response>;
  }): unknown;
};
declare const process: { env: Record<string, string | undefined>; exit(code: number): never };

const secret = process.env.MAILHOOKS_SECRET;
if (!secret?.startsWith('whsec_')) {
  console.error('set MAILHOOKS_SECRET to the endpoint\'s whsec_ key (the one in .dev.vars)');
  process.exit(2);
}
const port = Number(process.env.PORT ?? 9001);

Bun.serve({
  port,
  hostname: '127.0.0.1', // loopback only: a local try-out
  async fetch(request) {
    try {
      const context = await verifyTrackingWebhook(request, secret);
      console.log(
        JSON.stringify({
          received: context.eventType,
          recipient: context.recipient,
          esp: context.espName,
          eventId: context.eventId,
          webhookId: request.headers.get('webhook-id'),
        }),
      );
      return new Response(null, { status: 204 });
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      console.log(JSON.stringify({ refused: error.reason, message: error.message }));
      return new Response(error.message, { status: 401 });
    }
  },
});
console.log(`receiving on http://127.0.0.1:${port}`);
