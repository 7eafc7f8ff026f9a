/** A Postmark handler with a capturing sink and logger, and requests as Postmark sends them. */
import {
  createMailWebhookHandler,
  type EmailTrackingContext,
  type PostmarkOptions,
  postmark,
  type Sink,
} from '../../../src/index.js';
import { memoryLogger } from '../../helpers/envelope.js';

export const URL_POSTMARK = 'https://hooks.example.com/webhooks/mail/postmark';
export const NOW = new Date('2030-01-02T03:04:05.000Z');

/** `Authorization: Basic` for `user:password`, UTF-8 as browsers and Postmark send it. */
export const basic = (user: string, password: string): string =>
  `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${user}:${password}`)))}`;

export function postmarkHandler(options: PostmarkOptions = { password: 's3cret' }) {
  const events: EmailTrackingContext[] = [];
  const sink: Sink = {
    name: 'capture',
    async send(batch) {
      events.push(...batch);
    },
  };
  const { logger, lines } = memoryLogger();
  const handle = createMailWebhookHandler({
    providers: [postmark(options)],
    sinks: [sink],
    logger,
    now: () => NOW,
  });
  return { handle, events, lines };
}

export function postmarkRequest(
  body: BodyInit,
  headers: Record<string, string> = { authorization: basic('postmark', 's3cret') },
): Request {
  return new Request(URL_POSTMARK, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** A body that records whether anyone pulled a byte of it. */
export function watchedBody(text = '{"RecordType":"Delivery"}') {
  const state = { pulled: false };
  // highWaterMark 0: the stream asks for nothing until a reader does.
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        state.pulled = true;
        controller.enqueue(new TextEncoder().encode(text));
        controller.close();
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

/** A request with a streamed body (Node needs `duplex` for a stream). */
export function streamedRequest(
  stream: ReadableStream<Uint8Array>,
  headers: Record<string, string>,
) {
  return new Request(URL_POSTMARK, {
    method: 'POST',
    body: stream,
    headers,
    duplex: 'half',
  } as RequestInit);
}
