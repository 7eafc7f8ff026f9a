/** `mailhooks keys <provider>`: prints a fresh test key pair, the public half to configure. */
import { parseCommand } from './args.js';
import { type CliIo, EXIT_OK } from './io.js';
import { generateTestKeys, KEY_SPECS } from './keys.js';
import { UsageError, unknownName } from './usage.js';

const HELP_FLAG = { help: { type: 'boolean', short: 'h' } } as const;

const _NAMES = Object.keys(KEY_SPECS).join(', ');

export const KEYS_HELP = `Usage: mailhooks keys <provider>

Prints a fresh test key pair for an ESP that signs with a private key (${_NAMES}):
the public half to configure on a local server, and the private key (PKCS#8 PEM) to save
to a file for \`mailhooks send <provider> ... --private-key <file>\`. For local trials only.

Options:
  -h, --help   this help`;

export async function keysCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(argv, HELP_FLAG);
  if (values.help) {
    io.out(KEYS_HELP);
    return EXIT_OK;
  }
  const [name, ...extra] = positionals;
  if (name === undefined || extra.length > 0)
    throw new UsageError('expected: mailhooks keys <provider>');
  const spec = Object.hasOwn(KEY_SPECS, name) ? KEY_SPECS[name] : undefined;
  if (!spec) throw unknownName(`no key pair for "${name}"`, name, Object.keys(KEY_SPECS));
  const keys = await generateTestKeys(spec);
  io.out(`# ${name} test key pair (${spec.describe}); for local trials only.
# Public key: configure the server with it
${spec.variable}=${keys.publicKey}

# Private key: save to a file and pass it as --private-key <file>
${keys.privateKeyPem}`);
  return EXIT_OK;
}
