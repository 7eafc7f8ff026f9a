/** Under Bun's own test runner: deadlines past Bun's largest idleTimeout still end in an answer. */

import { test } from 'bun:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { serve } from '../../src/adapters/bun.js';

declare const Bun: { serve(options: { idleTimeout?: number }): unknown };

// Bun's idleTimeout is at most 255 s: the packaged server's is capped there. Here Bun is made to
// apply 1 s instead, so a request outliving it shows within seconds what one outliving 255 s
// would: an answer, or a connection Bun dropped.
const realServe = Bun.serve;
Bun.serve = (options) => realServe.call(Bun, { ...options, idleTimeout: 1 });

/** A POST whose body stalls `ms` after its first bytes, then arrives: everything received. */
function stalledPost(port: number, ms: number): Promise<string> {
  const body = '{"Type":"Notification"}';
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk));
    socket.on('error', () => {});
    socket.on('close', () => resolve(received));
    socket.write(
      `POST /webhooks/mail/ses HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
    );
    setTimeout(() => socket.write(body.slice(5)), ms);
  });
}

test('a body deadline past 255 s (MAIL_WEBHOOK_BODY_TIMEOUT_MS=300000) holds on Bun: a body stalled past Bun’s idle timeout is still read and answered', async () => {
  const server = serve({
    env: {
      MAIL_WEBHOOK_ENABLED: 'true',
      MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
      MAIL_WEBHOOK_BODY_TIMEOUT_MS: '300000',
    },
    port: 0,
    hostname: '127.0.0.1',
    gracefulShutdown: false,
  });
  const port = Number(new URL(await server.ready).port);
  try {
    const received = await stalledPost(port, 6000);
    // The handler read the whole body: its answer, not a dropped connection.
    assert.match(received, /^HTTP\/1\.1 400 /);
    assert.match(received, /"invalid-envelope"/);
  } finally {
    await server.close();
  }
}, 20_000);
