/** Parity rows (parity.ts) sent in process; any target's answer and log line checked. */
import { expect } from 'vitest';
import type { ParityRow } from './parity.js';

/** What a target answered to one row. */
export interface ParityAnswer {
  readonly status: number;
  readonly headers: Headers;
  /** The body as received: empty for a HEAD over HTTP. */
  readonly text: string;
}

/** A `Request` for `row` against `origin`, for the targets called in process. */
export function parityRequest(origin: string, { request }: Pick<ParityRow, 'request'>): Request {
  const { method, path, headers, body, chunked, stalled } = request;
  let sent: BodyInit | undefined = body;
  if (chunked !== undefined) sent = new Blob([new Uint8Array(chunked).fill(0x61)]).stream();
  if (stalled !== undefined) {
    const first = new TextEncoder().encode(stalled.slice(0, 40));
    sent = new ReadableStream({
      start: (controller) => controller.enqueue(first),
      // Nothing more, ever.
      pull: () => new Promise<void>(() => {}),
    });
  }
  const length = stalled === undefined ? {} : { 'content-length': String(stalled.length) };
  return new Request(`${origin}${path}`, {
    method,
    headers: { ...headers, ...length },
    body: sent,
    duplex: 'half',
  } as RequestInit);
}

/** `text` as JSON, or as it is when it is none (a runtime's own plain-text answer). */
function _json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** An in-process answer, read as a client reads it. */
export const answerOf = async (response: Response): Promise<ParityAnswer> => ({
  status: response.status,
  headers: response.headers,
  text: await response.text(),
});

/**
 * Expects `answer` to be `row`'s: status, JSON body, content-type and the row's headers; `http`:
 * as a client reads it over a connection (a HEAD has no body; the length is sent, never chunked);
 * `workerd`: over workerd's HTTP, which sends no Content-Length for a HEAD and no `Connection`
 * header (closing is Cloudflare's).
 */
export function expectParity(
  row: Omit<ParityRow, 'log'>,
  answer: ParityAnswer,
  http: boolean,
  workerd = false,
): void {
  const head = row.request.method === 'HEAD';
  const { connection, ...others } = row.headers ?? {};
  const headers = workerd && http ? others : (row.headers ?? {});
  const wanted = Object.fromEntries(
    Object.keys(headers).map((name) => [name, answer.headers.get(name)]),
  );
  const seen = {
    situation: row.situation,
    status: answer.status,
    body: head && http ? answer.text : _json(answer.text),
    contentType: answer.headers.get('content-type'),
    ...wanted,
  };
  expect(seen).toEqual({
    situation: row.situation,
    status: row.status,
    body: head && http ? '' : row.body,
    contentType: 'application/json; charset=utf-8',
    ...headers,
  });
  if (http) {
    // The length of the JSON a GET would carry (workerd sends none for a HEAD), never chunked.
    const length = answer.headers.get('content-length');
    const json = JSON.stringify(row.body);
    expect({
      situation: row.situation,
      length,
      chunked: answer.headers.get('transfer-encoding'),
    }).toEqual({
      situation: row.situation,
      length: head && workerd ? null : String(new TextEncoder().encode(json).length),
      chunked: null,
    });
  }
}

/** Whether one of `lines` (JSON log lines, others skipped) has every field of `row.log`. */
export function logged(lines: readonly string[], row: ParityRow): boolean {
  return lines.some((line) => {
    const json = /\{".*\}/.exec(line)?.[0];
    if (!json) return false;
    const fields = JSON.parse(json) as Record<string, unknown>;
    return Object.entries(row.log).every(([key, value]) => fields[key] === value);
  });
}
