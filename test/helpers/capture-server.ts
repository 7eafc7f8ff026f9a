/** A real HTTP server on 127.0.0.1 (random port) that records requests and answers as scripted. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A status to answer with (and headers), or 'hang' to read the request and never answer. */
export type Answer = number | { status: number; headers: Record<string, string> } | 'hang';

export interface CaptureServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Every request received, in arrival order (including unanswered ones). */
  readonly requests: CapturedRequest[];
  /** Decides each answer; default 204. Replace it any time. */
  answer: (request: CapturedRequest, index: number) => Answer;
  /** Most requests in progress at once so far. */
  readonly maxInFlight: number;
  close(): Promise<void>;
}

function _read(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** Starts a server; `answer` may also be given later. Close it in `afterEach`. */
export async function startCaptureServer(
  answer: CaptureServer['answer'] = () => 204,
): Promise<CaptureServer> {
  let inFlight = 0;
  const state = {
    requests: [] as CapturedRequest[],
    answer,
    maxInFlight: 0,
  };
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string') headers[name] = value;
    }
    const captured: CapturedRequest = {
      method: request.method ?? '',
      path: request.url ?? '',
      headers,
      body: await _read(request),
    };
    const index = state.requests.push(captured) - 1;
    const status = state.answer(captured, index);
    response.on('close', () => inFlight--);
    if (status === 'hang') return;
    // A little delay so concurrent requests overlap and maxInFlight means something.
    const [code, extra] = typeof status === 'number' ? [status] : [status.status, status.headers];
    setTimeout(() => response.writeHead(code, extra).end(), 5);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    get answer() {
      return state.answer;
    },
    set answer(next) {
      state.answer = next;
    },
    get maxInFlight() {
      return state.maxInFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
