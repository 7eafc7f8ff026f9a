/** `mailhooks trigger <eventType> --to <url> --secret whsec_...`: a normalized event, signed as the fan-out signs. */
import { ConfigError } from '../errors.js';
import {
  type EmailTrackingContext,
  TRACKING_EVENT_TYPES,
  type TrackingEventType,
} from '../events.js';
import { createMailWebhookHandler } from '../handler.js';
import { silentLogger } from '../log.js';
import { BUILTIN_PROVIDERS } from '../providers/registry.js';
import { createFanoutSink, FanoutError } from '../sinks/fanout.js';
import { parseCommand, recipientList, targetUrl } from './args.js';
import {
  ANSWER_TIMEOUT_MS,
  type CliIo,
  EXIT_OK,
  EXIT_REFUSED,
  printAnswer,
  showUrl,
} from './io.js';
import { generateTestKeys, KEY_SPECS } from './keys.js';
import { CLI_PROVIDERS, type CliProvider, type Credentials } from './samples/index.js';
import { UsageError, unknownName } from './usage.js';

export const TRIGGER_HELP = `Usage: mailhooks trigger <eventType> --to <url> --secret whsec_... [--recipients a@x,b@y] [--provider <name>]

Posts a normalized tracking event, signed as the fan-out signs it (Standard Webhooks:
webhook-id, webhook-timestamp, webhook-signature), so the app receiving the fan-out can be
built before any mail is sent. The body is
  { "type": "email.<eventType>", "timestamp": <ISO>, "data": <the event> }
one POST per recipient. The event is a sample of the provider (default: the first that has
the type, ses first), normalized by mailhooks itself.

Options:
  --to <url>             the receiving app's endpoint
  --secret <whsec_...>   the endpoint's Standard Webhooks secret
  --recipients <list>    comma-separated addresses (default recipient@example.com)
  --provider <name>      the ESP the event comes from
  -h, --help             this help

Event types: ${_triggerTypes().join(', ')}
Exit codes: 0 sent and answered 2xx, 1 refused or unreachable, 2 usage error.`;

const OPTIONS = {
  to: { type: 'string' },
  secret: { type: 'string' },
  recipients: { type: 'string' },
  provider: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The event types some provider has a sample of, in the order of `TRACKING_EVENT_TYPES`. */
function _triggerTypes(): string[] {
  return TRACKING_EVENT_TYPES.filter((type) =>
    CLI_PROVIDERS.some((provider) => Object.hasOwn(provider.events, type)),
  );
}

/** Throwaway credentials for a provider whose verification is off: its sample only needs to parse. */
async function _throwaway(provider: CliProvider): Promise<Credentials> {
  if (provider.credentials !== 'private-key') {
    return { secret: `whsec_${btoa('mailhooks-trigger-throwaway-key')}`, password: 'x' };
  }
  const spec = Object.hasOwn(KEY_SPECS, provider.name) ? KEY_SPECS[provider.name] : undefined;
  if (!spec) throw new Error(`no key type for ${provider.name}`);
  return { privateKey: (await generateTestKeys(spec)).privateKeyPem };
}

/** The contexts mailhooks makes of `provider`'s sample: its own handler, verification off. */
async function _normalize(
  provider: CliProvider,
  eventType: TrackingEventType,
  recipients: readonly string[],
  now: Date,
): Promise<EmailTrackingContext[]> {
  const builtin = BUILTIN_PROVIDERS.find((entry) => entry.name === provider.name);
  const build = provider.events[eventType];
  if (!builtin || !build) throw new UsageError(`${provider.name} has no "${eventType}" sample`);
  const contexts: EmailTrackingContext[] = [];
  const handle = createMailWebhookHandler({
    providers: [builtin.create({ verifySignature: false })],
    sinks: [{ name: 'trigger', send: async (events) => void contexts.push(...events) }],
    logger: silentLogger,
  });
  const credentials = await _throwaway(provider);
  for (const payload of build({ recipients, now })) {
    const url = `http://mailhooks.invalid/webhooks/mail/${provider.name}`;
    const { headers, body } = await provider.sign(payload, credentials, now, url);
    const response = await handle(new Request(url, { method: 'POST', headers, body }));
    if (!response.ok)
      throw new Error(`the ${provider.name} sample did not parse: ${await response.text()}`);
  }
  return contexts;
}

function _provider(name: string | undefined, eventType: string): CliProvider {
  const candidates = CLI_PROVIDERS.filter(
    (p) => Object.hasOwn(p.events, eventType) && BUILTIN_PROVIDERS.some((b) => b.name === p.name),
  );
  if (candidates.length === 0) {
    throw unknownName(`unknown event type "${eventType}"`, eventType, _triggerTypes());
  }
  if (name === undefined) return candidates[0] as CliProvider;
  if (!CLI_PROVIDERS.some((p) => p.name === name)) {
    const names = CLI_PROVIDERS.map((p) => p.name);
    throw unknownName(`--provider: unknown provider "${name}"`, name, names);
  }
  const chosen = candidates.find((p) => p.name === name);
  if (!chosen) {
    throw new UsageError(
      `--provider ${name} has no "${eventType}" sample; one of: ${candidates.map((p) => p.name).join(', ')}`,
    );
  }
  return chosen;
}

/** Runs `mailhooks trigger`; returns the exit code (usage errors are thrown). */
export async function triggerCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(argv, OPTIONS);
  if (values.help) {
    io.out(TRIGGER_HELP);
    return EXIT_OK;
  }
  const [eventType, ...extra] = positionals;
  if (eventType === undefined || extra.length > 0) {
    throw new UsageError('expected: mailhooks trigger <eventType> --to <url> --secret whsec_...');
  }
  const provider = _provider(values.provider, eventType);
  const url = targetUrl(values.to, 'the --secret signature is what authenticates the event');
  if (values.secret === undefined) throw new UsageError('--secret whsec_... is required');
  const answers: { response: Response; body: string }[] = [];
  let fanout: ReturnType<typeof createFanoutSink>;
  try {
    fanout = createFanoutSink({
      endpoints: [{ url, secret: values.secret }],
      retries: 0,
      timeoutMs: ANSWER_TIMEOUT_MS,
      logger: silentLogger,
      now: io.now,
      fetch: async (input, init) => {
        const response = await io.fetch(input, init);
        const body = await response.text();
        answers.push({ response, body });
        return new Response(null, { status: response.status });
      },
    });
  } catch (error) {
    // The message names the option and the rule, never the secret's value.
    if (error instanceof ConfigError) {
      const flag = error.setting.endsWith('secret') ? '--secret' : '--to';
      throw new UsageError(`${flag}: ${error.detail}`);
    }
    throw error;
  }
  const contexts = await _normalize(
    provider,
    eventType as TrackingEventType,
    recipientList(values.recipients),
    io.now(),
  );
  let failed = false;
  for (const context of contexts) {
    io.err(`POST ${showUrl(url)}: email.${context.eventType} for ${context.recipient}`);
    try {
      await fanout.send([context]);
    } catch (error) {
      if (!(error instanceof FanoutError)) throw error;
      failed = true;
      if (answers.length === 0)
        io.err(`could not reach ${showUrl(url)}: ${error.failures[0]?.reason}`);
    }
    const answer = answers.shift();
    if (answer) printAnswer(io, url, answer.response, answer.body);
    answers.length = 0;
  }
  return failed ? EXIT_REFUSED : EXIT_OK;
}
