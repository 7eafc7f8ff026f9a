/** The idle timeout a server gives a runtime that drops silent connections (Bun): past every deadline. */
import { describe, expect, test } from 'vitest';
import { idleSecondsFor, shutdownGraceOf } from '../../src/adapters/_server.js';
import { checkingIntervalOf } from '../../src/adapters/node-timeouts.js';

describe('idleSecondsFor', () => {
  test('outlasts the default 30 s body deadline (Bun would drop the connection at 10 s)', () => {
    expect(idleSecondsFor({})).toBeGreaterThan(30);
  });

  test('outlasts a body deadline set by variable', () => {
    expect(idleSecondsFor({ MAIL_WEBHOOK_BODY_TIMEOUT_MS: '90000' })).toBeGreaterThan(90);
  });

  test('outlasts the delivery deadline and a certificate download before it', () => {
    expect(
      idleSecondsFor({
        MAIL_WEBHOOK_BODY_TIMEOUT_MS: '1000',
        MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS: '60000',
      }),
    ).toBeGreaterThan(65);
  });

  test('outlasts a download and a confirmation at a fetch deadline set by variable', () => {
    expect(
      idleSecondsFor({
        MAIL_WEBHOOK_BODY_TIMEOUT_MS: '1000',
        MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS: '1000',
        MAIL_WEBHOOK_FETCH_TIMEOUT_MS: '40000',
      }),
    ).toBeGreaterThan(80);
  });

  test("stays within Bun's largest idleTimeout, 255 s", () => {
    expect(idleSecondsFor({ MAIL_WEBHOOK_BODY_TIMEOUT_MS: '600000' })).toBe(255);
  });
});

describe('shutdownGraceOf', () => {
  test('waits for a body, a certificate download, the longer of delivery and a confirmation, and a second', () => {
    // 30 s body + 5 s download + 10 s delivery + 1 s, by default.
    expect(shutdownGraceOf({})).toBe(46_000);
    const env = {
      MAIL_WEBHOOK_BODY_TIMEOUT_MS: '1000',
      MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS: '2000',
      MAIL_WEBHOOK_FETCH_TIMEOUT_MS: '3000',
    };
    // A download, then a confirmation's GET (3 s), longer than the delivery.
    expect(shutdownGraceOf(env)).toBe(1000 + 3000 + 3000 + 1000);
  });
});

describe('checkingIntervalOf (how often Node looks for requests past their deadline)', () => {
  test('a quarter of the deadline, at least every second and never more often than every 50 ms', () => {
    expect([40, 200, 400, 4_000, 30_000].map(checkingIntervalOf)).toEqual([
      50, 50, 100, 1000, 1000,
    ]);
  });
});
