/** The JSON logger's line, byte for byte: its fields, its clock, and where a long string is cut. */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createJsonLogger } from '../../src/log.js';

/** A JSON logger writing its lines here. */
function jsonLines() {
  const written: string[] = [];
  const logger = createJsonLogger((_level, line) => written.push(line));
  return { logger, written };
}

describe('a line', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-02T03:04:05.678Z'));
  });
  afterEach(() => vi.useRealTimers());

  test('is level, msg and the time of the call, then the fields, as written', () => {
    const { logger, written } = jsonLines();
    logger.info('event', { eventType: 'bounced', count: 2 });
    logger.warn('say "hi"', {});
    vi.advanceTimersByTime(1);
    logger.error('later');
    expect(written).toEqual([
      '{"level":"info","msg":"event","time":"2026-01-02T03:04:05.678Z","eventType":"bounced","count":2}',
      '{"level":"warn","msg":"say \\"hi\\"","time":"2026-01-02T03:04:05.678Z"}',
      '{"level":"error","msg":"later","time":"2026-01-02T03:04:05.679Z"}',
    ]);
  });

  test.each([
    [
      'level',
      { level: 'audit' },
      '{"level":"audit","msg":"event","time":"2026-01-02T03:04:05.678Z","id":1}',
    ],
    [
      'msg',
      { msg: 'replaced' },
      '{"level":"info","msg":"replaced","time":"2026-01-02T03:04:05.678Z","id":1}',
    ],
    ['time', { time: 'then' }, '{"level":"info","msg":"event","time":"then","id":1}'],
  ])(
    'a field named %s replaces that one in its place: the line has each name once',
    (_name, fields, line) => {
      const { logger, written } = jsonLines();
      logger.info('event', { ...fields, id: 1 });
      expect(written).toEqual([line]);
    },
  );

  test('fields that are an instance whose toJSON gives no object: one JSON line of its own fields', () => {
    class Reading {
      readonly id = 7;
      toJSON() {
        return [this.id];
      }
    }
    const { logger, written } = jsonLines();
    logger.info('event', new Reading() as unknown as Record<string, unknown>);
    expect(written).toEqual([
      '{"level":"info","msg":"event","time":"2026-01-02T03:04:05.678Z","id":7}',
    ]);
  });
});

describe('in a line over 2,000 characters', () => {
  test('a string of 2,000 characters is kept whole; one of 2,001 is cut to 2,000 and an ellipsis', () => {
    const { logger, written } = jsonLines();
    const exact = 'a'.repeat(2000);
    const over = 'b'.repeat(2001);
    logger.info('cut', { exact, over });
    const line = JSON.parse(written[0] as string) as Record<string, string>;
    expect(line.exact).toBe(exact);
    expect(line.over).toBe(`${'b'.repeat(2000)}…`);
  });

  test('a line just over 2,000 characters has its one long string cut', () => {
    const { logger, written } = jsonLines();
    logger.info('cut', { over: 'c'.repeat(2001) });
    expect(JSON.parse(written[0] as string).over).toBe(`${'c'.repeat(2000)}…`);
    expect((written[0] as string).length).toBeLessThan(2100);
  });
});
