/** The Node bridge answering before a body is read (413): the connection closes instead of taking in the rest. */
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createMailWebhookHandler, toNodeListener } from '../../src/adapters/node.js';
import { ses } from '../../src/index.js';
import { silentLogger } from '../../src/log.js';

let server: Server;
let port = 0;

beforeAll(async () => {
  const handler = createMailWebhookHandler({
    providers: [ses({ verifySignature: false })],
    maxBodyBytes: 1000,
    logger: silentLogger,
  });
  server = createServer(toNodeListener(handler));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('a declared body over maxBodyBytes: 413 with Connection: close, and the upload is cut off, not swallowed', async () => {
  const total = 200 * 1024 * 1024;
  const { answer, sent } = await new Promise<{ answer: string; sent: number }>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let sent = 0;
    socket.on('data', (data) => (answer += data));
    socket.on('error', () => {});
    socket.on('close', () => resolve({ answer, sent }));
    socket.write(
      `POST /webhooks/mail/ses HTTP/1.1\r\nHost: example.test\r\nContent-Type: application/json\r\nContent-Length: ${total}\r\n\r\n`,
    );
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = () => {
      while (sent < total && !socket.destroyed) {
        sent += chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
    };
    pump();
  });
  expect(answer).toMatch(/^HTTP\/1\.1 413 /);
  expect(answer.toLowerCase()).toContain('\r\nconnection: close\r\n');
  expect(answer).toContain('"error":"body-too-large"');
  // Closed long before the client could send it all.
  expect(sent).toBeLessThan(total / 2);
});
