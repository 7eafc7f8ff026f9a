/** The errors' own fields, in the order a log line or JSON.stringify shows them. */
import { expect, test } from 'vitest';
import {
  ConfigError,
  FanoutError,
  HttpError,
  ListenerError,
  WireFormatError,
} from '../../src/index.js';

test('each error holds its fields as own properties, name last', () => {
  const http = new HttpError(403, 'nope', 'refused');
  expect(Object.entries(http)).toEqual([
    ['status', 403],
    ['reason', 'nope'],
    ['message', 'refused'],
    ['headers', {}],
    ['logged', undefined],
  ]);
  expect(JSON.stringify(new HttpError(405, 'm', 'x', { allow: 'POST' }, { a: 1 }))).toBe(
    '{"status":405,"reason":"m","message":"x","headers":{"allow":"POST"},"logged":{"a":1}}',
  );
  expect(JSON.stringify(new ConfigError('basePath', 'bad'))).toBe(
    '{"setting":"basePath","detail":"bad","name":"ConfigError"}',
  );
  const cause = new Error('boom');
  expect(Object.entries(new ListenerError('l', 'E', cause))).toEqual([
    ['listener', 'l'],
    ['event', 'E'],
    ['cause', cause],
    ['reason', 'listener-failed'],
    ['name', 'ListenerError'],
  ]);
  expect(JSON.stringify(new WireFormatError('tags', 'bad'))).toBe(
    '{"field":"tags","name":"WireFormatError"}',
  );
  const failure = {
    endpoint: 'https://x/',
    type: 'email.sent',
    eventId: 'e',
    webhookId: 'w',
    recipient: 'r',
    reason: 'HTTP 500',
  };
  const fanout = new FanoutError([failure]);
  expect(Object.keys(fanout)).toEqual(['failures', 'name']);
  expect(fanout.message).toBe(
    '1 webhook deliveries failed: email.sent (event e, r) to https://x/: HTTP 500',
  );
  for (const error of [new ConfigError('a', 'b'), fanout, new WireFormatError('f', 'm')]) {
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toMatch(/^(Config|Fanout|WireFormat)Error: /);
  }
});
