/** `mailhooks send <provider> <eventType> --to <url> [credentials]`: a realistic, signed ESP webhook. */
import { describeWithCause } from '../errors.js';
import {
  headerFlag,
  headerValue,
  type ParsedFlags,
  parseCommand,
  recipientList,
  targetUrl,
} from './args.js';
import {
  ANSWER_TIMEOUT_MS,
  type CliIo,
  EXIT_OK,
  EXIT_REFUSED,
  printAnswer,
  redactUrl,
  showUrl,
} from './io.js';
import { CLI_PROVIDERS, type CliProvider, type Credentials, cliProvider } from './samples/index.js';
import { UsageError, unknownName } from './usage.js';

export const SEND_HELP = `Usage: mailhooks send <provider> <eventType> --to <url> [credentials] [--recipients a@x,b@y]
       mailhooks send --list

Posts a realistic sample webhook of <provider> for one event type, signed the way that ESP
signs, and prints the answer. Fresh ids and timestamps on every run.

Credentials (what the provider checks; \`send --list\` says which each one takes):
  --secret <secret>        HMAC, Standard Webhooks and API-key secrets: resend and loops
                           (whsec_...), mailgun, mailersend, mailtrap (signing secret),
                           mandrill (webhook key), unisender-go (API key)
  --password <password>    HTTP Basic (postmark, brevo, mailjet, sparkpost, ses-eventbridge;
                           ses with MAIL_WEBHOOK_SES_SECRET)
  --username <name>        the Basic user name (default: any)
  --token <token>          Authorization: Bearer
  --header 'Name: value'   a custom header
  --private-key <pem file> ESPs that sign with a key (sendgrid, postal, mailpace): PKCS#8, or
                           PKCS#1 / SEC1 as OpenSSL and Postal write; make a test pair with
                           \`mailhooks keys <provider>\` and configure its public half
mandrill signs the URL too: --to must be exactly its configured url (MAIL_WEBHOOK_MANDRILL_URL).
ses and scaleway are sent unsigned (they sign with certificates only they hold), for a server
with MAIL_WEBHOOK_SES_VERIFY_SIGNATURE=false or MAIL_WEBHOOK_SCALEWAY_VERIFY_SIGNATURE=false;
their TopicArn (see --list) must be in MAIL_WEBHOOK_SES_TOPIC_ARNS or
MAIL_WEBHOOK_SCALEWAY_TOPIC_ARNS when that is set.

Options:
  --to <url>               the provider's route, e.g. http://localhost:8787/webhooks/mail/resend
                           (no user:password@: use --password; a query is sent, never printed)
  --recipients <list>      comma-separated addresses (default recipient@example.com)
  --list                   list the providers and their event types
  -h, --help               this help

Exit codes: 0 sent and answered 2xx, 1 refused or unreachable, 2 usage error.`;

const OPTIONS = {
  to: { type: 'string' },
  secret: { type: 'string' },
  password: { type: 'string' },
  username: { type: 'string' },
  token: { type: 'string' },
  header: { type: 'string' },
  'private-key': { type: 'string' },
  recipients: { type: 'string' },
  list: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ParsedFlags<typeof OPTIONS>;

const _FLAGS_OF = {
  none: ['password', 'username', 'token', 'header'],
  unsigned: [],
  secret: ['secret'],
  'shared-secret': ['password', 'username', 'token', 'header'],
  'private-key': ['private-key'],
} as const;

const _CREDENTIAL_FLAGS = ['secret', 'password', 'username', 'token', 'header', 'private-key'];

/** The provider list of `send --list`. */
export function listProviders(): string {
  const width = Math.max(...CLI_PROVIDERS.map((p) => p.name.length)) + 1;
  return CLI_PROVIDERS.map(
    (p) =>
      `${p.name.padEnd(width)} ${Object.keys(p.events).join(', ')}\n${' '.repeat(width + 1)}${p.signing}`,
  ).join('\n');
}

/** The credentials `provider` needs from the flags; a flag it does not read is a mistake. */
async function _credentials(
  provider: CliProvider,
  values: Values,
  io: CliIo,
): Promise<Credentials> {
  const allowed: readonly string[] = _FLAGS_OF[provider.credentials];
  const stray = _CREDENTIAL_FLAGS.find(
    (flag) => values[flag as keyof Values] !== undefined && !allowed.includes(flag),
  );
  if (stray) {
    throw new UsageError(`${provider.name} does not take --${stray}; it uses ${provider.signing}`);
  }
  // An empty key is no key: WebCrypto refuses an empty HMAC key with a DOMException.
  if (values.secret === '') throw new UsageError('--secret is empty');
  if (values.username !== undefined && values.password === undefined) {
    throw new UsageError('--username needs --password');
  }
  // Both would be an Authorization header: one of them would be dropped without a word.
  if (values.password !== undefined && values.token !== undefined) {
    throw new UsageError('--password and --token both set Authorization: give one');
  }
  const missing = {
    none: false,
    unsigned: false,
    secret: values.secret === undefined,
    'shared-secret':
      values.password === undefined && values.token === undefined && values.header === undefined,
    'private-key': values['private-key'] === undefined,
  }[provider.credentials];
  if (missing) throw new UsageError(`${provider.name} needs ${provider.signing}`);
  let privateKey: string | undefined;
  if (values['private-key'] !== undefined) {
    try {
      privateKey = await io.readFile(values['private-key']);
    } catch {
      throw new UsageError(`--private-key: cannot read ${values['private-key']}`);
    }
  }
  return {
    secret: values.secret,
    password: values.password,
    username: values.username,
    token: values.token === undefined ? undefined : headerValue('token', values.token),
    header: headerFlag(values.header),
    privateKey,
  };
}

/** POSTs one signed request and prints its answer; true when it was 2xx. */
async function _post(
  io: CliIo,
  url: string,
  request: { headers: Record<string, string>; body: string },
) {
  let response: Response;
  let text: string;
  // A timer, not AbortSignal.timeout: the wait is then said as `trigger` says it.
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), ANSWER_TIMEOUT_MS);
  try {
    response = await io.fetch(url, {
      method: 'POST',
      headers: { 'user-agent': 'mailhooks-cli', ...request.headers },
      body: request.body,
      redirect: 'manual',
      signal: deadline.signal,
    });
    // The answer is read here too: a connection that breaks off mid-body is unreachable, not a crash.
    text = await response.text();
  } catch (error) {
    // Worded as `trigger` words it (through the fan-out): the error's class, message and cause.
    const why = deadline.signal.aborted
      ? `timed out after ${ANSWER_TIMEOUT_MS} ms`
      : redactUrl(describeWithCause(error), url);
    io.err(`could not reach ${showUrl(url)}: ${why}`);
    return false;
  } finally {
    clearTimeout(timer);
  }
  printAnswer(io, url, response, text);
  return response.status >= 200 && response.status < 300;
}

/** Runs `mailhooks send`; returns the exit code (usage errors are thrown). */
export async function sendCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(argv, OPTIONS);
  if (values.help) {
    io.out(SEND_HELP);
    return EXIT_OK;
  }
  if (values.list) {
    // `--list --to …` sends nothing: said, not silently ignored.
    const others = Object.keys(values).filter((key) => key !== 'list');
    if (positionals.length > 0 || others.length > 0) {
      throw new UsageError(
        `--list takes no arguments${others.length ? ` (got --${others.join(', --')})` : ''}`,
      );
    }
    io.out(listProviders());
    return EXIT_OK;
  }
  const [name, eventType, ...extra] = positionals;
  if (name === undefined || eventType === undefined || extra.length > 0) {
    throw new UsageError('expected: mailhooks send <provider> <eventType> --to <url>');
  }
  const provider = cliProvider(name);
  if (!provider) {
    throw unknownName(
      `unknown provider "${name}"`,
      name,
      CLI_PROVIDERS.map((p) => p.name),
    );
  }
  const build = Object.hasOwn(provider.events, eventType)
    ? provider.events[eventType as keyof typeof provider.events]
    : undefined;
  if (!build) {
    throw unknownName(
      `${name} has no "${eventType}" sample`,
      eventType,
      Object.keys(provider.events),
    );
  }
  const url = targetUrl(values.to, 'use --password and --username for HTTP Basic');
  const recipients = recipientList(values.recipients);
  const credentials = await _credentials(provider, values, io);
  const now = io.now();
  const payloads = build({ recipients, now });
  let ok = true;
  for (const payload of payloads) {
    const request = await provider.sign(payload, credentials, now, url);
    io.err(`POST ${showUrl(url)}: ${name} ${eventType}`);
    ok = (await _post(io, url, request)) && ok;
  }
  return ok ? EXIT_OK : EXIT_REFUSED;
}
