/** toNodeListener's request: what a fetch handler sees of a Node request, header by header. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { toNodeListener } from '../../src/adapters/node.js';
import { parseResponse, rawSend } from './raw-http.js';

type Seen = (request: Request) => unknown | Promise<unknown>;
let look: Seen = () => null;
let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer(toNodeListener(async (request) => Response.json(await look(request))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Sends `headLines` as they are (names cased, repeated, padded as written) and returns what `seen` returned. */
async function seen(headLines: string[], fn: Seen, body = ''): Promise<unknown> {
  look = fn;
  const head = [
    'POST /x HTTP/1.1',
    'Host: example.test',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...headLines,
  ].join('\r\n');
  const text = await rawSend(port, `${head}\r\n\r\n`, body).closed;
  return parseResponse(text).json();
}

/** What undici's own Headers makes of the same lines: the reference every answer must match. */
function reference(headLines: string[]): Headers {
  const headers = new Headers({ host: 'example.test', 'content-length': '0', connection: 'close' });
  for (const line of headLines) {
    const colon = line.indexOf(':');
    headers.append(line.slice(0, colon), line.slice(colon + 1));
  }
  return headers;
}

const LINES = [
  'X-Amz-Sns-Message-Type: Notification',
  'x-custom: one',
  'X-CUSTOM: two',
  'Accept:  text/plain  ',
  'Empty:',
];

test('get and has read any case, join repeated headers with ", " and trim values, as fetch does', async () => {
  const names = [
    'x-amz-sns-message-type',
    'X-AMZ-SNS-MESSAGE-TYPE',
    'x-custom',
    'accept',
    'empty',
    'absent',
    'host',
  ];
  const got = await seen(LINES, (request) =>
    names.map((name) => [request.headers.get(name), request.headers.has(name)]),
  );
  const expected = reference(LINES);
  expect(got).toEqual(names.map((name) => [expected.get(name), expected.has(name)]));
  expect(got).toEqual([
    ['Notification', true],
    ['Notification', true],
    ['one, two', true],
    ['text/plain', true],
    ['', true],
    [null, false],
    ['example.test', true],
  ]);
});

test('iteration, forEach and getSetCookie give what a real Headers gives', async () => {
  const lines = [...LINES, 'Set-Cookie: a=1', 'Set-Cookie: b=2'];
  const got = (await seen(lines, (request) => {
    const each: string[][] = [];
    request.headers.forEach((value, name) => {
      each.push([name, value]);
    });
    return {
      entries: [...request.headers],
      each,
      keys: [...request.headers.keys()],
      cookies: request.headers.getSetCookie(),
    };
  })) as Record<string, unknown>;
  const expected = reference(lines);
  expect(got.entries).toEqual([...expected]);
  expect(got.each).toEqual([...expected]);
  expect(got.keys).toEqual([...expected.keys()]);
  expect(got.cookies).toEqual(['a=1', 'b=2']);
});

test('is a Headers; set, append and delete change what get reads afterwards', async () => {
  const got = await seen(LINES, (request) => {
    const { headers } = request;
    const before = headers.get('x-custom');
    headers.set('x-custom', 'three');
    headers.append('x-added', 'yes');
    headers.delete('accept');
    return {
      isHeaders: headers instanceof Headers,
      before,
      after: [headers.get('x-custom'), headers.get('x-added'), headers.has('accept')],
    };
  });
  expect(got).toEqual({
    isHeaders: true,
    before: 'one, two',
    after: ['three', 'yes', false],
  });
});

test('a header name fetch refuses throws a TypeError, as on a real Headers', async () => {
  const got = await seen(LINES, (request) => {
    try {
      request.headers.get('bad name');
      return 'no throw';
    } catch (error) {
      return (error as Error).name;
    }
  });
  expect(got).toBe('TypeError');
});

test('new Request, new Headers and clone() copy every header, and the body still reads', async () => {
  const got = await seen(
    LINES,
    async (request) => {
      const copy = new Request('http://elsewhere.test/', {
        method: 'POST',
        headers: request.headers,
        body: 'x',
      });
      const clone = request.clone();
      return {
        // A string body adds its own content-type; the length is the new body's.
        copied: [...copy.headers].filter(([name]) => !/^content-(length|type)$/.test(name)),
        fromHeaders: [...new Headers(request.headers)],
        clone: [...clone.headers],
        body: await clone.text(),
      };
    },
    'hello',
  );
  const expected = [...reference(LINES)].map(([name, value]) =>
    name === 'content-length' ? [name, '5'] : [name, value],
  );
  expect(got).toEqual({
    copied: expected.filter(([name]) => name !== 'content-length'),
    fromHeaders: expected,
    clone: expected,
    body: 'hello',
  });
});

/** The URL the handler sees for a request to `path` with the Host header `host`. */
async function urlFor(host: string, path = '/x?q=1'): Promise<unknown> {
  look = (request) => request.url;
  const head = `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`;
  return parseResponse(await rawSend(port, head).closed).json();
}

test('the URL is the Host and the path; a Host no URL can hold is localhost, whatever came before', async () => {
  const seenUrls = [];
  for (const host of ['example.test', 'example.test:99999', 'example.test:99999', 'example.test']) {
    seenUrls.push(await urlFor(host));
  }
  seenUrls.push(await urlFor('other.test:8443', '/a/../b%zz#f'));
  seenUrls.push(await urlFor('1.2.3.999'));
  // An absolute-form target gives only its path: the origin is the Host, never what it names.
  seenUrls.push(await urlFor('example.test', 'http://other.test/x?q=1'));
  seenUrls.push(await urlFor('example.test', 'http://other.test'));
  // Its path ends its authority: a `/` in the query is no path.
  seenUrls.push(await urlFor('example.test', 'http://other.test?q=/webhooks/mail/ses'));
  expect(seenUrls).toEqual([
    'http://example.test/x?q=1',
    'http://localhost/x?q=1',
    'http://localhost/x?q=1',
    'http://example.test/x?q=1',
    'http://other.test:8443/a/../b%zz#f',
    'http://localhost/x?q=1',
    'http://example.test/x?q=1',
    'http://example.test/',
    'http://example.test/?q=/webhooks/mail/ses',
  ]);
});
