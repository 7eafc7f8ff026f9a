/** The packaged servers' batched logger when a write fails: nothing thrown, nothing kept, stderr still written. */
import { describe, expect, test } from 'vitest';
import { _batchedLogger } from '../../src/adapters/_server.js';

/** A batched logger whose flushes run when the test says; `write` may throw per stream. */
function harness(fails = { stdout: false, stderr: false }) {
  const written = { stdout: [] as string[], stderr: [] as string[] };
  const offered = { stdout: 0, stderr: 0 };
  const scheduled: (() => void)[] = [];
  const exitHooks: (() => void)[] = [];
  const { logger, flush } = _batchedLogger(
    (text, stderr) => {
      const stream = stderr ? 'stderr' : 'stdout';
      offered[stream] += text.split('\n').length - 1;
      // A closed pipe: Deno's writeSync throws BrokenPipe.
      if (fails[stream]) throw new Error('Broken pipe (os error 32)');
      written[stream].push(text);
    },
    (run) => scheduled.push(run),
    (run) => exitHooks.push(run),
  );
  const turn = () => {
    for (const run of scheduled.splice(0)) run();
  };
  return { logger, flush, turn, written, offered, scheduled, exitHooks };
}

const lines = (texts: string[]) => texts.join('').split('\n').filter(Boolean);

describe('the batched server logger', () => {
  test('with stdout closed, warnings and errors still reach stderr, each once, and no flush throws', () => {
    const { logger, turn, written, offered } = harness({ stdout: true, stderr: false });
    for (let round = 0; round < 1_000; round++) {
      logger.info('event', { round });
      logger.warn('request refused', { round });
      expect(turn).not.toThrow();
      // This turn's warning is out now, not held behind the failed stdout write.
      expect(lines(written.stderr)).toHaveLength(round + 1);
    }
    expect(lines(written.stderr).map((line) => JSON.parse(line).round)).toEqual(
      Array.from({ length: 1_000 }, (_, i) => i),
    );
    // Each info line was offered once and dropped, not kept for a later try.
    expect(offered.stdout).toBe(1_000);
  });

  test('with both streams failing, every line is offered once and dropped: nothing accumulates', () => {
    const { logger, flush, turn, offered } = harness({ stdout: true, stderr: true });
    // Past 64 KB a log call flushes at once: that flush must not throw into the request either.
    const big = 'x'.repeat(1_000);
    for (let round = 0; round < 2_000; round++) {
      expect(() => logger.info('event', { round, big })).not.toThrow();
      expect(() => logger.error('sink failed', { round, big })).not.toThrow();
      if (round % 100 === 99) expect(turn).not.toThrow();
    }
    expect(flush).not.toThrow();
    expect(offered).toEqual({ stdout: 2_000, stderr: 2_000 });
  });

  test('a turn writes its lines once: debug and info to stdout, warn and error to stderr, no empty write', () => {
    const { logger, turn, written, scheduled } = harness();
    logger.debug('d');
    logger.info('i');
    // One write per turn of the event loop, however many lines it logged.
    expect(scheduled).toHaveLength(1);
    turn();
    logger.error('e');
    logger.warn('w');
    turn();
    const msgs = (texts: string[]) => lines(texts).map((line) => JSON.parse(line).msg);
    expect({ stdout: msgs(written.stdout), stderr: msgs(written.stderr) }).toEqual({
      stdout: ['d', 'i'],
      stderr: ['e', 'w'],
    });
    // A turn with lines for one stream only leaves the other unwritten (Bun would print a blank line).
    expect([...written.stdout, ...written.stderr]).toHaveLength(2);
    expect([...written.stdout, ...written.stderr]).not.toContain('');
  });

  test('past 64 KB the lines are written at once, not held to the end of the turn', () => {
    const { logger, written } = harness();
    const big = 'x'.repeat(1_000);
    let calls = 0;
    while (written.stdout.length === 0 && calls < 200) {
      logger.info('event', { big });
      calls++;
    }
    expect(calls).toBeGreaterThan(60);
    expect(calls).toBeLessThan(70);
  });

  test('every turn is written, and the exit hook is set once however many turns', () => {
    const { logger, turn, written, exitHooks } = harness();
    for (let round = 0; round < 20; round++) {
      logger.info('event', { round });
      turn();
    }
    expect(lines(written.stdout)).toHaveLength(20);
    expect(exitHooks).toHaveLength(1);
    // Lines logged after the last turn go out at exit.
    logger.error('last words');
    exitHooks[0]?.();
    expect(lines(written.stderr).map((line) => JSON.parse(line).msg)).toEqual(['last words']);
  });
});
