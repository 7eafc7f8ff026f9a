/**
 * The history route's query, as an attacker writes it: a parameter given twice (which one a proxy
 * or a log reads is a guess) and percent-encoding that decodes to no text are 400 invalid-query
 * naming what was wrong, never a silent pick or a search for U+FFFD; the store is asked nothing.
 */
import { describe, expect, test } from 'vitest';
import { createMailWebhookHandler, ses } from '../../src/index.js';
import { memoryLogger } from '../helpers/envelope.js';
import { fakeStore } from './fake-store.js';

const TOKEN = 'query-attack-token';

function setup() {
  const fake = fakeStore();
  const { logger } = memoryLogger();
  const handle = createMailWebhookHandler({
    providers: [ses({ verifySignature: false })],
    sinks: [{ name: 'after-store', send: async () => {} }],
    store: fake.store,
    apiToken: TOKEN,
    logger,
  });
  const get = (query: string) =>
    handle(
      new Request(`http://localhost/webhooks/mail/events${query}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      }),
    );
  return { get, calls: fake.calls };
}

/**
 * A handler over a store that answers every suppression lookup and lift with "not suppressed",
 * noting the address asked, and `send(method, segment)` to its `/suppressions/{segment}` route.
 */
function askedStore() {
  const asked: string[] = [];
  const handle = createMailWebhookHandler({
    providers: [ses({ verifySignature: false })],
    store: {
      ...fakeStore().store,
      suppression: async (email: string) => {
        asked.push(email);
        return null;
      },
      unsuppress: async (email: string) => {
        asked.push(email);
        return false;
      },
    },
    apiToken: TOKEN,
    logger: memoryLogger().logger,
  });
  const send = (method: string, segment: string) =>
    handle(
      new Request(`http://localhost/webhooks/mail/suppressions/${segment}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}` },
      }),
    );
  return { send, asked };
}

describe('GET events with a hostile query', () => {
  test.each([
    ['recipient', '?recipient=jane@example.com&recipient=joe@example.com'],
    ['limit', '?limit=1&limit=1000'],
    ['type', '?type=bounced&type='],
    ['messageId', '?messageId=m-1&type=bounced&message%49d=m-2'],
  ])('%s given twice: 400 invalid-query naming it', async (name, query) => {
    const { get, calls } = setup();
    const response = await get(query);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      ok: false,
      error: 'invalid-query',
      message: `${name} is given more than once`,
    });
    expect(calls).toEqual([]);
  });

  test.each([
    ['bytes that are not UTF-8', '?recipient=%FF%FE@example.com'],
    ['a lone surrogate', '?messageId=%ED%A0%80'],
    ['a % without two hex digits', '?recipient=jane%zz@example.com'],
    ['a truncated escape', '?messageId=m%4'],
    ['a bad escape in a name', '?recip%FFent=jane@example.com'],
  ])('%s: 400 invalid-query, not a search for something else', async (_, query) => {
    const { get, calls } = setup();
    const response = await get(query);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      ok: false,
      error: 'invalid-query',
      message: 'the query string is not valid percent-encoding',
    });
    expect(calls).toEqual([]);
  });

  test('a query string of 2048 characters is read; one of 2049 is 400 invalid-query saying so', async () => {
    const { get, calls } = setup();
    const query = (length: number) => `?messageId=${'m'.repeat(length - '?messageId='.length + 1)}`;
    expect((await get(query(2_048))).status).toBe(200);
    expect(calls).toHaveLength(1);
    const response = await get(query(2_049));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      ok: false,
      error: 'invalid-query',
      message: 'the query string is over 2048 characters',
    });
    expect(calls).toHaveLength(1);
  });

  test('what stays as it was: empty values absent, + a plus, %40 an @, a bare name, &&', async () => {
    const { get, calls } = setup();
    for (const query of [
      '?recipient=jane+news%40example.com&messageId=&limit=',
      '?&recipient=jane%2Bnews@example.com&&type',
    ]) {
      expect((await get(query)).status).toBe(200);
    }
    expect(calls).toEqual([
      `events ${JSON.stringify({ recipient: 'jane+news@example.com' })}`,
      `events ${JSON.stringify({ recipient: 'jane+news@example.com' })}`,
    ]);
  });
});

describe('the suppression route with no address', () => {
  // Blanks around an @, nothing before the @, nothing after it, no @ at all.
  const segments = ['%20%20@%20', '%40example.com', '@example.com', 'jane%40', 'jane.example.com'];
  test.each(segments.flatMap((segment) => ['GET', 'DELETE'].map((method) => [method, segment])))(
    '%s /suppressions/%s: 400 invalid-address, the store asked nothing',
    async (method, segment) => {
      const { send, asked } = askedStore();
      const response = await send(method, segment);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid-address' });
      expect(asked).toEqual([]);
    },
  );
});

describe('the suppression route with no address at all', () => {
  const handle = createMailWebhookHandler({
    providers: [ses({ verifySignature: false })],
    store: fakeStore().store,
    apiToken: TOKEN,
    logger: memoryLogger().logger,
  });
  const paths = ['/suppressions/', '/suppressions', '/suppressions///'];
  test.each(paths.flatMap((path) => ['GET', 'DELETE'].map((method) => [method, path])))(
    '%s %s: 400 invalid-address asking for an address, not a 404 that lists only provider routes',
    async (method, path) => {
      const response = await handle(
        new Request(`http://localhost/webhooks/mail${path}`, {
          method,
          headers: { authorization: `Bearer ${TOKEN}` },
        }),
      );
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        ok: false,
        error: 'invalid-address',
        message: 'expected an e-mail address such as jane@example.com',
      });
    },
  );

  test('without the token it is 401 as every store route is; another path under it stays 404', async () => {
    const bare = await handle(new Request('http://localhost/webhooks/mail/suppressions/'));
    expect(bare.status).toBe(401);
    const deeper = await handle(
      new Request('http://localhost/webhooks/mail/suppressions/jane@example.com/x', {
        headers: { authorization: `Bearer ${TOKEN}` },
      }),
    );
    expect(deeper.status).toBe(404);
    const suffixed = await handle(
      new Request('http://localhost/webhooks/mail/suppressionsx', {
        headers: { authorization: `Bearer ${TOKEN}` },
      }),
    );
    expect(suffixed.status).toBe(404);
  });
});

describe('an encoded slash or dot segment in the address', () => {
  test.each([
    ['GET', 'a%2Fb@example.com', 'a/b@example.com'],
    ['DELETE', '..%2F..%2Fevents%40example.com', '../../events@example.com'],
    ['GET', '%2E%2E%2Fevents@example.com', '../events@example.com'],
  ])(
    '%s /suppressions/%s: the store is asked for one address, %s, never another route',
    async (method, segment, address) => {
      const { send, asked } = askedStore();
      const response = await send(method, segment);
      expect([response.status, await response.json()]).toEqual([200, { suppressed: false }]);
      expect(asked).toEqual([address]);
    },
  );
});

describe('the suppression route at the address length limit', () => {
  const handle = createMailWebhookHandler({
    providers: [ses({ verifySignature: false })],
    store: fakeStore().store,
    apiToken: TOKEN,
    logger: memoryLogger().logger,
  });
  const get = (address: string) =>
    handle(
      new Request(`http://localhost/webhooks/mail/suppressions/${address}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      }),
    );
  // 320 characters: the longest address there is (64 before the @, 255 after it).
  const longest = `${'j'.repeat(64)}@${'d'.repeat(251)}.com`;

  test('an address of 320 characters is looked up: 200', async () => {
    expect(longest).toHaveLength(320);
    const response = await get(longest);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ suppressed: false });
  });

  test('one of 321 characters is none: 400 invalid-address', async () => {
    const response = await get(`j${longest}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid-address' });
  });

  test('the shortest, one character on each side of the @, is looked up: 200', async () => {
    const response = await get('j@d');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ suppressed: false });
  });
});

describe('GET events with a fragment on its URL', () => {
  test('the fragment is no part of the query: 200, the filters as given', async () => {
    const { get, calls } = setup();
    const response = await get('?type=bounced&limit=5#newest');
    expect(response.status).toBe(200);
    expect(calls).toEqual(['events {"eventType":"bounced","limit":5}']);
  });
});
