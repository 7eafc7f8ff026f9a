/** The top-level command line: `--version` (`-v`, `version`), and command names it does not know. */
import { describe, expect, test } from 'vitest';
import { type CliIo, runCli } from '../../src/cli/run';

/** Runs `argv` with a package whose version is 9.8.7. */
async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    fetch: async () => new Response(null, { status: 599 }),
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    readFile: async () => '',
    now: () => new Date(),
    version: async () => '9.8.7',
  };
  const code = await runCli(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('mailhooks --version', () => {
  test.each([['--version'], ['-v'], ['version']])(
    '%s prints the version: exit code 0',
    async (flag) => {
      expect(await run([flag])).toEqual({ code: 0, out: '9.8.7', err: '' });
    },
  );

  test.each([[['--version', 'send']], [['-v', '--help']]])(
    '%j: anything after it is a usage error, and no version is printed',
    async (argv) => {
      const result = await run(argv);
      expect(result.code).toBe(2);
      expect(result.out).toBe('');
      expect(result.err).toMatch(/^mailhooks: --version takes no arguments\n\nUsage: mailhooks/);
    },
  );
});

describe('a command name that is a property of every object', () => {
  test.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    '%s is an unknown command: exit code 2 naming it',
    async (name) => {
      const result = await run([name]);
      expect(result.code).toBe(2);
      expect(result.out).toBe('');
      expect(result.err).toMatch(new RegExp(`^mailhooks: unknown command "${name}"`));
    },
  );

  test.each([
    [['keys', 'constructor'], 'mailhooks keys: no key pair for "constructor"'],
    [['keys', 'toString'], 'mailhooks keys: no key pair for "toString"'],
    [
      ['send', 'constructor', 'bounced', '--to', 'http://x.test/'],
      'mailhooks send: unknown provider "constructor"',
    ],
    [
      ['send', 'ses', 'constructor', '--to', 'http://x.test/'],
      'mailhooks send: ses has no "constructor" sample',
    ],
    [
      ['trigger', 'constructor', '--to', 'http://x.test/', '--secret', 'whsec_AAAA'],
      'mailhooks trigger: unknown event type "constructor"',
    ],
  ])('%j is a name the command does not know: exit code 2 naming it', async (argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err.startsWith(message)).toBe(true);
  });
});
