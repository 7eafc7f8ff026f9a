/** The `mailhooks` command: dispatch to `send`, `trigger` or `keys`, usage errors to exit code 2. */
import { didYouMean } from '../suggest.js';
import { type CliIo, EXIT_OK, EXIT_USAGE } from './io.js';
import { keysCommand } from './keys-command.js';
import { sendCommand } from './send.js';
import { triggerCommand } from './trigger.js';
import { UsageError } from './usage.js';

export type { CliIo } from './io.js';

export const HELP = `Usage: mailhooks <command> [options]

Commands:
  send <provider> <eventType> --to <url> [credentials]
                  post a realistic sample webhook of an ESP, signed as that ESP signs
  send --list     the providers and their event types
  trigger <eventType> --to <url> --secret whsec_...
                  post a normalized event signed as the fan-out signs it
  keys <provider> a fresh test key pair (sendgrid, postal, mailpace)
  --version       the version of mailhooks

Run \`mailhooks <command> --help\` (or \`mailhooks help <command>\`) for a command's options.
Exit codes: 0 sent and answered 2xx, 1 refused or unreachable, 2 usage error.`;

const COMMANDS: Record<string, (argv: readonly string[], io: CliIo) => Promise<number>> = {
  send: sendCommand,
  trigger: triggerCommand,
  keys: keysCommand,
};

/**
 * Runs the command line `argv` (without `node` and the script) and returns its exit code.
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), nodeIo);
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    // `mailhooks help send` is `mailhooks send --help`, as git and npm read it; `help sned` is
    // the unknown command it names, not the general help with exit code 0.
    // `help`, `version` and flags have no usage of their own: the general one.
    const [topic = '-'] = rest;
    if (!/^(-|help$|version$)/.test(topic)) return runCli([topic, '--help'], io);
    io.out(HELP);
    return EXIT_OK;
  }
  if ((name === '--version' || name === '-v' || name === 'version') && io.version) {
    if (rest.length) {
      io.err(`mailhooks: --version takes no arguments\n\n${HELP}`);
      return EXIT_USAGE;
    }
    io.out(await io.version());
    return EXIT_OK;
  }
  const command = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    const known = [...Object.keys(COMMANDS), '--help', '--version'];
    io.err(
      name === undefined
        ? HELP
        : `mailhooks: unknown command "${name}"${didYouMean(name, known)}\n\n${HELP}`,
    );
    return EXIT_USAGE;
  }
  try {
    return await command(rest, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`mailhooks ${name}: ${error.message}\nRun \`mailhooks ${name} --help\` for usage.`);
    return EXIT_USAGE;
  }
}
