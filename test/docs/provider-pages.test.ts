/**
 * What docs/providers/*.md promise, checked against the code, table by table:
 *
 * - every `MAIL_WEBHOOK_*` variable a page (or docs/store.md) names is one mailhooks reads
 *   (a `(+ \`_PREVIOUS\`)` cell adds that variable's rotation twin);
 * - each page's `npx mailhooks send ...` line, run as printed (placeholders filled in, a key pair
 *   from the `npx mailhooks keys` line above it) against a handler configured with the variables
 *   the page's set-up names, is answered 200 and delivers the event type it asks for;
 * - each row of a page's "what each event becomes" table: the ESP event the row names, fed through
 *   `createMailWebhookHandler`, gives the `eventType`, `rejectCategory` and `permanent` the row
 *   promises (and, on the first row of a page, the `messageId`, `eventId` and `timestamp` its
 *   "every event" paragraph promises). Each case names the text of its row, which must be in a
 *   table row of the page (or, where a page maps events in prose, in its text), so a renamed or
 *   dropped row fails here too.
 *
 * Signatures are off in the row cases (the providers' own tests cover verification); the send
 * commands run with credentials.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliIo, runCli } from '../../src/cli/run';
import type { EmailTrackingContext } from '../../src/events';
import { optionsFromEnv, unknownVariables } from '../../src/from-env';
import { createMailWebhookHandler } from '../../src/handler';
import * as mailhooks from '../../src/index';
import { silentLogger } from '../../src/log';
import type { Provider } from '../../src/providers/types';
import { docPages } from '../helpers/docs.js';

const root = resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const pages = readdirSync(join(root, 'docs/providers'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => name.slice(0, -3))
  .sort();

describe('variables the docs name', () => {
  it.each(['docs/store.md', ...pages.map((page) => `docs/providers/${page}.md`)])(
    '%s names only variables mailhooks reads',
    (file) => {
      const text = read(file);
      const names = new Set(
        [...text.matchAll(/MAIL_WEBHOOK_[A-Z0-9_]*[A-Z0-9]/g)].map((match) => match[0]),
      );
      for (const match of text.matchAll(/`(MAIL_WEBHOOK_[A-Z0-9_]+)` \(\+ `_PREVIOUS`\)/g)) {
        names.add(`${match[1]}_PREVIOUS`);
      }
      names.delete('MAIL_WEBHOOK_PROVIDERS');
      const env = Object.fromEntries([...names].map((name) => [name, 'x']));
      env.MAIL_WEBHOOK_PROVIDERS = pages.join(',');
      expect(unknownVariables(env).map((unknown) => unknown.name)).toEqual([]);
    },
  );

  it('README.md and the pages it links to name only variables mailhooks reads, besides its examples of other names', () => {
    const text = docPages()
      .filter((page) => !page.startsWith('docs/providers/'))
      .map(read)
      .join('\n');
    const names = new Set(
      [...text.matchAll(/MAIL_WEBHOOK_[A-Z0-9_]*[A-Z0-9]/g)].map((match) => match[0]),
    );
    names.delete('MAIL_WEBHOOK_PROVIDERS');
    const env = Object.fromEntries([...names].map((name) => [name, 'x']));
    env.MAIL_WEBHOOK_PROVIDERS = pages.join(',');
    expect(
      unknownVariables(env)
        .map((unknown) => unknown.name)
        .sort(),
    ).toEqual(
      [
        'MAIL_WEBHOOK_SES_SECRT', // the misspelling the start-up warning catches
        'MAIL_WEBHOOK_ACME_MAIL_PATH', // your own provider's
        'MAIL_WEBHOOK_ACME_MAIL_TOKEN',
        'MAIL_WEBHOOK_FANOUT_SECRET_CRM', // named by the fan-out endpoints ("env:NAME")
        'MAIL_WEBHOOK_FANOUT_SECRET_ALERTS',
        'MAIL_WEBHOOK_PORT', // the misnamings pointed at PORT and HOST
        'MAIL_WEBHOOK_HOST',
      ].sort(),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The `npx mailhooks send` lines.

const WHSEC = `whsec_${btoa('docs-test-secret-of-32-bytes!!!!')}`;
const SECRET = 'docs-test-secret';
const HEADER_VALUE = 'docs-test-header-value';
const URL_OF = (page: string) => `http://127.0.0.1:8787/webhooks/mail/${page}`;

/** The variables each page's set-up tells a user to set, with the values the send line uses. */
const SETUP: Record<string, Record<string, string>> = {
  ses: { MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false' },
  resend: { MAIL_WEBHOOK_RESEND_SECRET: WHSEC },
  loops: { MAIL_WEBHOOK_LOOPS_SECRET: WHSEC },
  sendgrid: {},
  postal: {},
  mailpace: {},
  mailgun: { MAIL_WEBHOOK_MAILGUN_SIGNING_KEY: SECRET },
  mailersend: { MAIL_WEBHOOK_MAILERSEND_SECRET: SECRET },
  mailtrap: { MAIL_WEBHOOK_MAILTRAP_SECRET: SECRET },
  mandrill: {
    MAIL_WEBHOOK_MANDRILL_WEBHOOK_KEY: SECRET,
    MAIL_WEBHOOK_MANDRILL_URL: URL_OF('mandrill'),
  },
  'unisender-go': { MAIL_WEBHOOK_UNISENDER_GO_API_KEY: SECRET },
  postmark: { MAIL_WEBHOOK_POSTMARK_PASSWORD: SECRET },
  brevo: { MAIL_WEBHOOK_BREVO_PASSWORD: SECRET },
  mailjet: { MAIL_WEBHOOK_MAILJET_PASSWORD: SECRET },
  sparkpost: { MAIL_WEBHOOK_SPARKPOST_PASSWORD: SECRET },
  'ses-eventbridge': {
    MAIL_WEBHOOK_SES_EVENTBRIDGE_HEADER: 'X-Api-Key',
    MAIL_WEBHOOK_SES_EVENTBRIDGE_VALUE: HEADER_VALUE,
  },
  scaleway: { MAIL_WEBHOOK_SCALEWAY_VERIFY_SIGNATURE: 'false' },
};

/** `npx mailhooks ...` lines of a page's ```sh blocks, as argv (single quotes group words). */
function commands(page: string): string[][] {
  const blocks = [...read(`docs/providers/${page}.md`).matchAll(/```sh\n([\s\S]*?)```/g)];
  return blocks
    .flatMap((block) => (block[1] ?? '').split('\n'))
    .filter((line) => line.startsWith('npx mailhooks '))
    .map((line) =>
      line
        .slice('npx mailhooks '.length)
        .replaceAll('whsec_...', WHSEC)
        .replaceAll('<value>', HEADER_VALUE)
        .replace(/<[^>]+>/g, SECRET),
    )
    .map((line) => [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? ''));
}

async function run(argv: string[], handler?: (request: Request) => Promise<Response>) {
  const out: string[] = [];
  const io: CliIo = {
    fetch: async (input, init) =>
      handler ? handler(new Request(input, init)) : new Response(null, { status: 599 }),
    out: (text) => out.push(text),
    err: (text) => out.push(text),
    readFile: async (path) => readFileSync(path, 'utf8'),
    now: () => new Date(),
  };
  return { code: await runCli(argv, io), out: out.join('\n') };
}

const keyDir = mkdtempSync(join(tmpdir(), 'mailhooks-doc-keys-'));
afterAll(() => rmSync(keyDir, { recursive: true, force: true }));

describe('`npx mailhooks send` on each provider page', () => {
  it.each(pages)('%s: the command shown is answered 200 with its event type', async (page) => {
    const lines = commands(page);
    const send = lines.find((argv) => argv[0] === 'send');
    expect(send, 'a `npx mailhooks send` line').toBeDefined();
    if (!send) return;
    expect(send.slice(1, 2)).toEqual([page]);
    expect(send[send.indexOf('--to') + 1]).toBe(URL_OF(page));
    const env: Record<string, string> = {
      MAIL_WEBHOOK_ENABLED: 'true',
      MAIL_WEBHOOK_PROVIDERS: page,
      ...SETUP[page],
    };
    // `npx mailhooks keys <page>`: its variable line configures the server, its PEM block is saved
    // under the name the send line passes to --private-key.
    const keys = lines.find((argv) => argv[0] === 'keys');
    const keyAt = send.indexOf('--private-key');
    if (keys || keyAt >= 0) {
      expect(keys?.slice(1)).toEqual([page]);
      const printed = (await run(keys ?? [])).out;
      const variable = /^(MAIL_WEBHOOK_[A-Z_]+)=(.+)$/m.exec(printed);
      const pem = /-----BEGIN PRIVATE KEY-----[\s\S]+-----END PRIVATE KEY-----\n?/.exec(printed);
      expect(variable && pem).toBeTruthy();
      env[variable?.[1] ?? ''] = variable?.[2] ?? '';
      const file = join(keyDir, send[keyAt + 1] ?? '');
      writeFileSync(file, pem?.[0] ?? '');
      send[keyAt + 1] = file;
    }
    const received: EmailTrackingContext[] = [];
    const handler = createMailWebhookHandler({
      ...optionsFromEnv(env),
      sinks: [{ name: 'docs', send: async (events) => void received.push(...events) }],
      logger: silentLogger,
    });
    const result = await run(send, handler);
    expect(result.out).toMatch(/^HTTP 200/m);
    expect(result.code).toBe(0);
    expect(received.map((context) => [context.espName, context.eventType])).toEqual([
      [page, send[2]],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// The event-type tables.

type Expected = Partial<
  Pick<
    EmailTrackingContext,
    'eventType' | 'rejectCategory' | 'permanent' | 'messageId' | 'eventId' | 'recipient'
  >
> & { timestamp?: string };

interface Row {
  /** Text of the table row the case checks (it must be in a `|` line of the page). */
  readonly row: string;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
  /** `null`: answered 200 with no events. */
  readonly expect: Expected | null;
}

const OFF = { verifySignature: false } as const;
const T0 = 1_700_000_000;
const ISO0 = '2023-11-14T22:13:20.000Z';
const failure = (
  rejectCategory: EmailTrackingContext['rejectCategory'],
  permanent: boolean | null,
) => ({
  rejectCategory,
  permanent,
});
const none = failure(null, null);

// Resend, Loops: Standard Webhooks headers (not checked with verification off, read for the id).
const svix = () => ({
  'svix-id': 'msg_docs',
  'svix-timestamp': String(Math.floor(Date.now() / 1000)),
  'svix-signature': 'v1,x',
});
const hooks = () => ({
  'webhook-id': 'msg_docs',
  'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
  'webhook-signature': 'v1,x',
});

const resendRow = (row: string, type: string, data: object, expected: Expected | null): Row => ({
  row,
  headers: svix(),
  body: {
    type,
    created_at: '2024-02-22T23:41:12.126Z',
    data: { email_id: 'email-1', to: ['Ann <a@example.com>'], created_at: '2024-02-22', ...data },
  },
  expect: expected,
});

const sendgridRow = (row: string, fields: object, expected: Expected): Row => ({
  row,
  body: [{ email: 'a@example.com', timestamp: T0, sg_message_id: 'SGID.filter.1', ...fields }],
  expect: expected,
});

const mailgunRow = (row: string, fields: object, expected: Expected): Row => ({
  row,
  body: {
    signature: { timestamp: String(T0), token: 't', signature: 's' },
    'event-data': {
      id: 'mg-event',
      timestamp: T0 + 0.25,
      recipient: 'a@example.com',
      message: { headers: { 'message-id': 'mg@example.com' } },
      ...fields,
    },
  },
  expect: expected,
});

const postmarkRow = (row: string, fields: object, expected: Expected): Row => ({
  row,
  body: { MessageID: 'pm-1', Recipient: 'a@example.com', ...fields },
  expect: expected,
});
const postmarkBounce = (type: string | undefined, expected: Expected): Row =>
  postmarkRow(
    `| ${type === undefined ? 'missing or new' : `\`${type}\``}`,
    { RecordType: 'Bounce', ID: 42, Type: type, BouncedAt: '2024-01-02T03:04:05Z' },
    expected,
  );

const brevoRow = (row: string, event: string, expected: Expected): Row => ({
  row,
  body: { event, email: 'a@example.com', 'message-id': '<b@example.com>', ts_epoch: T0 * 1000 },
  expect: expected,
});

const mailjetRow = (row: string, fields: string, expected: Expected): Row => ({
  row,
  // MessageID past 2^53, as Mailjet sends it: read from the raw text.
  body: `{"time":${T0},"MessageID":104427216766056453,"email":"a@example.com",${fields}}`,
  expect: expected,
});

const sparkpostClass: Record<string, string> = {
  open: 'track_event',
  click: 'track_event',
  amp_open: 'track_event',
  initial_open: 'track_event',
  list_unsubscribe: 'unsubscribe_event',
  generation_failure: 'gen_event',
};
const sparkpostRow = (row: string, type: string, fields: object, expected: Expected): Row => ({
  row,
  body: [
    {
      msys: {
        [sparkpostClass[type] ?? 'message_event']: {
          type,
          event_id: 'sp-event',
          raw_rcpt_to: 'a@example.com',
          transmission_id: 'sp-tx',
          timestamp: String(T0),
          ...fields,
        },
      },
    },
  ],
  expect: expected,
});

const unisenderRow = (row: string, status: string, fields: object, expected: Expected): Row => ({
  row,
  body: {
    auth: 'k',
    events_by_user: [
      {
        user_id: 1,
        events: [
          {
            event_name: 'transactional_email_status',
            event_data: {
              job_id: 'ug-job',
              email: 'a@example.com',
              status,
              event_time: '2024-09-06 23:22:40',
              ...fields,
            },
          },
        ],
      },
    ],
  },
  expect: expected,
});

const mailersendRow = (row: string, type: string, expected: Expected): Row => ({
  row,
  body: {
    type: `activity.${type}`,
    data: {
      id: 'ms-activity',
      created_at: '2024-01-02T00:00:00.000000Z',
      email: { message: { id: 'ms-message' }, recipient: { email: 'a@example.com' } },
    },
  },
  expect: expected,
});

const mailtrapRow = (row: string, event: string, fields: object, expected: Expected): Row => ({
  row,
  body: {
    events: [
      {
        event,
        email: 'a@example.com',
        message_id: 'mt-message',
        event_id: 'mt-event',
        timestamp: T0,
        ...fields,
      },
    ],
  },
  expect: expected,
});

const mandrillRow = (row: string, element: object, expected: Expected | null): Row => ({
  row,
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: `mandrill_events=${encodeURIComponent(JSON.stringify([element]))}`,
  expect: expected,
});
const mandrillEvent = (event: string) => ({
  event,
  _id: 'md-id',
  ts: T0,
  msg: { _id: 'md-id', email: 'a@example.com' },
});

const postalMessage = { id: 233843, message_id: '<p@example.com>', to: 'a@example.com' };
const postalRow = (row: string, event: string, payload: object, expected: Expected): Row => ({
  row,
  body: { event, timestamp: T0 + 0.789, uuid: 'postal-uuid', payload },
  expect: expected,
});

const mailpaceRow = (row: string, event: string, expected: Expected): Row => ({
  row,
  body: {
    event,
    payload: {
      id: 1,
      created_at: '2024-01-01T00:00:00.000Z',
      to: 'Ann <a@example.com>',
      message_id: '<mp@example.com>',
    },
  },
  expect: expected,
});

const loopsRow = (row: string, eventName: string, expected: Expected | null): Row => ({
  row,
  headers: hooks(),
  body: {
    eventName,
    eventTime: T0,
    webhookSchemaVersion: '1.0.0',
    contactIdentity: { id: 'c', email: 'a@example.com' },
    email: { id: 'loops-email', emailMessageId: 'em' },
  },
  expect: expected,
});

const sesMail = {
  timestamp: '2024-01-01T00:00:00.000Z',
  messageId: 'ses-id',
  destination: ['a@example.com'],
  source: 's@example.com',
};
const sesRow = (row: string, record: object, expected: Expected | null): Row => ({
  row,
  headers: { 'x-amz-sns-message-type': 'Notification', 'x-amz-sns-message-id': 'sns-id' },
  body: {
    Type: 'Notification',
    MessageId: 'sns-id',
    TopicArn: 'arn:aws:sns:us-east-1:123456789012:ses-events',
    Message: JSON.stringify({ mail: sesMail, ...record }),
    Timestamp: new Date().toISOString(),
    SignatureVersion: '1',
    Signature: 'x',
    SigningCertURL: `https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${'0'.repeat(32)}.pem`,
  },
  expect: expected,
});
const T1 = '2024-01-01T00:00:05.000Z';
const bounce = (bounceType: string) => ({
  eventType: 'Bounce',
  bounce: {
    bounceType,
    bounceSubType: 'General',
    timestamp: T1,
    bouncedRecipients: [{ emailAddress: 'a@example.com' }],
  },
});

const eventBridgeRow = (row: string, record: object, expected: Expected | null): Row => ({
  row,
  body: {
    version: '0',
    id: 'eb-event',
    'detail-type': 'Email Bounced',
    source: 'aws.ses',
    account: '123456789012',
    time: '2024-01-01T00:00:09Z',
    region: 'us-east-1',
    resources: [],
    detail: { mail: sesMail, ...record },
  },
  expect: expected,
});

const scalewayRow = (
  row: string,
  type: string,
  fields: object,
  expected: Expected | null,
): Row => ({
  row,
  headers: { 'x-amz-sns-message-type': 'Notification', 'x-amz-sns-message-id': 'scw-sns' },
  body: {
    Type: 'Notification',
    MessageId: 'scw-sns',
    TopicArn: 'arn:scw:sns:fr-par:project-22222222-2222-4222-8222-222222222222:tem-events',
    Message: JSON.stringify({
      id: 'tem-event',
      type,
      created_at: '2025-03-26T10:00:05Z',
      email_id: 'tem-email',
      email_to: 'a@example.com',
      ...fields,
    }),
    Timestamp: new Date().toISOString(),
    SignatureVersion: '1',
    Signature: 'x',
    SigningCertURL: 'https://sns.fr-par.scw.cloud/cert.pem',
  },
  expect: expected,
});

const ROWS: Record<string, { provider: Provider; rows: Row[] }> = {
  ses: {
    provider: mailhooks.ses(OFF),
    rows: [
      sesRow(
        '| Send |',
        { eventType: 'Send' },
        {
          eventType: 'sent',
          ...none,
          messageId: 'ses-id',
          eventId: 'sns-id',
          timestamp: '2024-01-01T00:00:00.000Z',
        },
      ),
      sesRow(
        '| Delivery |',
        { eventType: 'Delivery', delivery: { timestamp: T1, recipients: ['a@example.com'] } },
        { eventType: 'delivered', ...none, timestamp: T1 },
      ),
      sesRow(
        '| DeliveryDelay |',
        {
          eventType: 'DeliveryDelay',
          deliveryDelay: {
            timestamp: T1,
            delayType: 'MailboxFull',
            delayedRecipients: [{ emailAddress: 'a@example.com' }],
          },
        },
        { eventType: 'deferred', ...none },
      ),
      sesRow('| Bounce |', bounce('Permanent'), {
        eventType: 'bounced',
        ...failure('bounced', true),
      }),
      sesRow('| Bounce |', bounce('Transient'), {
        eventType: 'bounced',
        ...failure('bounced', false),
      }),
      sesRow(
        '| Reject |',
        { eventType: 'Reject', reject: { reason: 'Bad content' } },
        {
          eventType: 'rejected',
          ...failure('blocked', false),
        },
      ),
      sesRow(
        '| Rendering Failure |',
        { eventType: 'Rendering Failure', failure: { errorMessage: 'e', templateName: 't' } },
        {
          eventType: 'failed',
          ...failure('other', false),
        },
      ),
      sesRow(
        '| Open, Click |',
        { eventType: 'Open', open: { timestamp: T1 } },
        {
          eventType: 'opened',
          ...none,
        },
      ),
      sesRow(
        '| Open, Click |',
        { eventType: 'Click', click: { timestamp: T1, link: 'https://x' } },
        {
          eventType: 'clicked',
          ...none,
        },
      ),
      sesRow(
        '| Complaint |',
        {
          eventType: 'Complaint',
          complaint: { timestamp: T1, complainedRecipients: [{ emailAddress: 'a@example.com' }] },
        },
        { eventType: 'complained', ...failure('spam', null) },
      ),
      sesRow(
        '| Subscription that opts out |',
        {
          eventType: 'Subscription',
          subscription: {
            timestamp: T1,
            newTopicPreferences: { unsubscribeAll: true },
            oldTopicPreferences: { unsubscribeAll: false },
          },
        },
        { eventType: 'unsubscribed', ...failure('unsubscribed', null) },
      ),
      sesRow('| anything else |', { eventType: 'Novel' }, { eventType: 'unknown', ...none }),
    ],
  },
  'ses-eventbridge': {
    provider: mailhooks.sesEventBridge(OFF),
    rows: [
      eventBridgeRow(
        '`Send` sent',
        { eventType: 'Send' },
        {
          eventType: 'sent',
          ...none,
          messageId: 'ses-id',
          eventId: 'eb-event',
          timestamp: '2024-01-01T00:00:00.000Z',
        },
      ),
      eventBridgeRow('`Bounce` bounced', bounce('Permanent'), {
        eventType: 'bounced',
        ...failure('bounced', true),
        eventId: 'eb-event',
        timestamp: T1,
      }),
      eventBridgeRow(
        '`Reject` rejected',
        { eventType: 'Reject', reject: { reason: 'Bad content' } },
        {
          eventType: 'rejected',
          ...failure('blocked', false),
        },
      ),
      eventBridgeRow(
        'An `aws.ses` event that is not an SES record',
        { notAnSesRecord: true },
        null,
      ),
    ],
  },
  resend: {
    provider: mailhooks.resend(OFF),
    rows: [
      resendRow(
        '| `email.scheduled` |',
        'email.scheduled',
        {},
        {
          eventType: 'queued',
          ...none,
          recipient: 'a@example.com',
          messageId: 'email-1',
          eventId: 'msg_docs',
          timestamp: '2024-02-22T23:41:12.126Z',
        },
      ),
      resendRow('| `email.sent` |', 'email.sent', {}, { eventType: 'sent', ...none }),
      resendRow(
        '| `email.delivered` |',
        'email.delivered',
        {},
        { eventType: 'delivered', ...none },
      ),
      resendRow(
        '| `email.delivery_delayed` |',
        'email.delivery_delayed',
        {},
        {
          eventType: 'deferred',
          ...none,
        },
      ),
      resendRow(
        '| `email.bounced` |',
        'email.bounced',
        { bounce: { type: 'Permanent', subType: 'Suppressed', message: 'm' } },
        { eventType: 'bounced', ...failure('bounced', true) },
      ),
      resendRow(
        '| `email.bounced` |',
        'email.bounced',
        { bounce: { type: 'Transient', subType: 'General', message: 'm' } },
        { eventType: 'bounced', ...failure('bounced', false) },
      ),
      resendRow(
        '| `email.suppressed` |',
        'email.suppressed',
        { suppressed: { type: 't' } },
        {
          eventType: 'rejected',
          ...failure('blocked', true),
        },
      ),
      resendRow(
        '| `email.failed` |',
        'email.failed',
        { failed: { reason: 'r' } },
        {
          eventType: 'failed',
          ...failure('other', false),
        },
      ),
      resendRow(
        '| `email.complained` |',
        'email.complained',
        {},
        {
          eventType: 'complained',
          ...failure('spam', null),
        },
      ),
      resendRow('| `email.opened` |', 'email.opened', {}, { eventType: 'opened', ...none }),
      resendRow(
        '| `email.clicked` |',
        'email.clicked',
        { click: { link: 'https://x' } },
        {
          eventType: 'clicked',
          ...none,
        },
      ),
      resendRow('| any other `email.*` |', 'email.novel', {}, { eventType: 'unknown', ...none }),
      resendRow('| `email.received`, `contact.*`', 'email.received', {}, null),
      resendRow('| `email.received`, `contact.*`', 'contact.created', {}, null),
    ],
  },
  sendgrid: {
    provider: mailhooks.sendgrid(OFF),
    rows: [
      sendgridRow(
        '| `processed` |',
        { event: 'processed' },
        {
          eventType: 'queued',
          ...none,
          messageId: 'SGID',
          timestamp: ISO0,
        },
      ),
      sendgridRow('| `deferred` |', { event: 'deferred' }, { eventType: 'deferred', ...none }),
      sendgridRow('| `delivered` |', { event: 'delivered' }, { eventType: 'delivered', ...none }),
      sendgridRow(
        '| `bounce`, `type: bounce` (or no type) |',
        { event: 'bounce', type: 'bounce' },
        {
          eventType: 'bounced',
          ...failure('bounced', true),
        },
      ),
      sendgridRow(
        '| `bounce`, `type: bounce` (or no type) |',
        { event: 'bounce' },
        {
          eventType: 'bounced',
          ...failure('bounced', true),
        },
      ),
      sendgridRow(
        '| `bounce`, `type: blocked` |',
        { event: 'bounce', type: 'blocked' },
        {
          eventType: 'bounced',
          ...failure('blocked', false),
        },
      ),
      sendgridRow(
        '| `dropped` |',
        { event: 'dropped', reason: 'Invalid' },
        {
          eventType: 'rejected',
          ...failure('invalid', true),
        },
      ),
      sendgridRow(
        '| `dropped` |',
        { event: 'dropped', reason: 'Bounced Address' },
        {
          eventType: 'rejected',
          ...failure('bounced', true),
        },
      ),
      sendgridRow(
        '| `dropped` |',
        { event: 'dropped', reason: 'Unsubscribed Address' },
        {
          eventType: 'rejected',
          ...failure('unsubscribed', true),
        },
      ),
      sendgridRow(
        '| `dropped` |',
        { event: 'dropped', reason: 'Spam Reporting Address' },
        {
          eventType: 'rejected',
          ...failure('other', true),
        },
      ),
      sendgridRow(
        '| `dropped` |',
        { event: 'dropped', type: 'blocked' },
        {
          eventType: 'rejected',
          ...failure('blocked', false),
        },
      ),
      sendgridRow(
        '| `dropped` |',
        { event: 'dropped', reason: 'Expired' },
        {
          eventType: 'rejected',
          ...failure('timed_out', false),
        },
      ),
      sendgridRow('| `open` |', { event: 'open' }, { eventType: 'opened', ...none }),
      sendgridRow(
        '| `click` |',
        { event: 'click', url: 'https://x' },
        {
          eventType: 'clicked',
          ...none,
        },
      ),
      sendgridRow(
        '| `spamreport` |',
        { event: 'spamreport' },
        {
          eventType: 'complained',
          ...failure('spam', null),
        },
      ),
      sendgridRow(
        '| `unsubscribe`, `group_unsubscribe` |',
        { event: 'group_unsubscribe' },
        {
          eventType: 'unsubscribed',
          ...failure('unsubscribed', null),
        },
      ),
      sendgridRow(
        '| anything else (`group_resubscribe`',
        { event: 'group_resubscribe' },
        {
          eventType: 'unknown',
          ...none,
        },
      ),
    ],
  },
  mailgun: {
    provider: mailhooks.mailgun(OFF),
    rows: [
      mailgunRow(
        '| `accepted` |',
        { event: 'accepted' },
        {
          eventType: 'queued',
          ...none,
          messageId: 'mg@example.com',
          eventId: 'mg-event',
          timestamp: '2023-11-14T22:13:20.250Z',
        },
      ),
      mailgunRow(
        '| `rejected` |',
        { event: 'rejected', reason: 'suppress-bounce' },
        {
          eventType: 'rejected',
          ...failure('bounced', true),
        },
      ),
      mailgunRow(
        '| `rejected` |',
        { event: 'rejected', reason: 'generic' },
        {
          eventType: 'rejected',
          ...failure('other', false),
        },
      ),
      mailgunRow('| `delivered` |', { event: 'delivered' }, { eventType: 'delivered', ...none }),
      mailgunRow(
        '| `failed`, `severity: permanent` |',
        { event: 'failed', severity: 'permanent', reason: 'bounce' },
        { eventType: 'bounced', ...failure('bounced', true) },
      ),
      mailgunRow(
        '| `failed`, `severity: temporary` |',
        { event: 'failed', severity: 'temporary', reason: 'generic' },
        { eventType: 'deferred', ...none },
      ),
      mailgunRow(
        '| `failed`, no severity |',
        { event: 'failed', reason: 'generic' },
        {
          eventType: 'bounced',
          ...failure('other', false),
        },
      ),
      mailgunRow('| `opened` |', { event: 'opened' }, { eventType: 'opened', ...none }),
      mailgunRow('| `clicked` |', { event: 'clicked' }, { eventType: 'clicked', ...none }),
      mailgunRow(
        '| `unsubscribed` |',
        { event: 'unsubscribed' },
        {
          eventType: 'unsubscribed',
          ...failure('unsubscribed', null),
        },
      ),
      mailgunRow(
        '| `complained` |',
        { event: 'complained' },
        {
          eventType: 'complained',
          ...failure('spam', null),
        },
      ),
      mailgunRow(
        '| anything else (`stored`',
        { event: 'stored' },
        { eventType: 'unknown', ...none },
      ),
      mailgunRow(
        '| anything else (`stored`',
        { event: 'constructor' },
        {
          eventType: 'unknown',
          ...none,
        },
      ),
    ],
  },
  postmark: {
    provider: mailhooks.postmark(OFF),
    rows: [
      postmarkRow(
        '| `Delivery` |',
        { RecordType: 'Delivery', DeliveredAt: '2024-01-02T03:04:05.1234567Z' },
        {
          eventType: 'delivered',
          ...none,
          messageId: 'pm-1',
          timestamp: '2024-01-02T03:04:05.123Z',
        },
      ),
      postmarkRow(
        '| `Open` |',
        { RecordType: 'Open', ReceivedAt: '2024-01-02T03:04:05Z' },
        {
          eventType: 'opened',
          ...none,
        },
      ),
      postmarkRow(
        '| `Click` |',
        { RecordType: 'Click', ReceivedAt: '2024-01-02T03:04:05Z' },
        {
          eventType: 'clicked',
          ...none,
        },
      ),
      postmarkRow(
        '| `SpamComplaint` |',
        {
          RecordType: 'SpamComplaint',
          ID: 7,
          Type: 'SpamComplaint',
          BouncedAt: '2024-01-02T03:04:05Z',
        },
        { eventType: 'complained', ...failure('spam', null), eventId: '7' },
      ),
      ...(
        [
          ['HardBounce', 'bounced', 'bounced', true],
          ['SpamComplaint', 'complained', 'spam', null],
          ['ManualSuppression', 'unsubscribed', 'unsubscribed', null],
        ] as const
      ).map(([reason, eventType, category, permanent]) =>
        postmarkRow(
          '| `SubscriptionChange`, `SuppressSending: true` |',
          {
            RecordType: 'SubscriptionChange',
            SuppressSending: true,
            SuppressionReason: reason,
            ChangedAt: '2024-01-02T03:04:05Z',
          },
          { eventType, ...failure(category, permanent) },
        ),
      ),
      postmarkRow(
        '| `SubscriptionChange`, `SuppressSending: false` (reactivated) |',
        {
          RecordType: 'SubscriptionChange',
          SuppressSending: false,
          ChangedAt: '2024-01-02T03:04:05Z',
        },
        { eventType: 'unknown', ...none },
      ),
      postmarkRow(
        '| anything else |',
        { RecordType: 'Novel', ReceivedAt: '2024-01-02T03:04:05Z' },
        {
          eventType: 'unknown',
          ...none,
        },
      ),
      postmarkBounce('HardBounce', {
        eventType: 'bounced',
        ...failure('bounced', true),
        eventId: '42',
      }),
      postmarkBounce('SoftBounce', { eventType: 'bounced', ...failure('bounced', false) }),
      postmarkBounce('VirusNotification', { eventType: 'bounced', ...failure('other', false) }),
      postmarkBounce('Transient', { eventType: 'deferred', ...none }),
      postmarkBounce('BadEmailAddress', { eventType: 'rejected', ...failure('invalid', true) }),
      postmarkBounce('ManuallyDeactivated', { eventType: 'rejected', ...failure('blocked', true) }),
      postmarkBounce('Blocked', { eventType: 'rejected', ...failure('blocked', false) }),
      postmarkBounce('Unconfirmed', { eventType: 'rejected', ...failure('other', false) }),
      postmarkBounce('SMTPApiError', { eventType: 'failed', ...failure('other', false) }),
      postmarkBounce('SpamNotification', { eventType: 'complained', ...failure('spam', null) }),
      postmarkBounce('Unsubscribe', {
        eventType: 'unsubscribed',
        ...failure('unsubscribed', null),
      }),
      postmarkBounce('Subscribe', { eventType: 'unknown', ...none }),
      postmarkBounce(undefined, { eventType: 'bounced', ...failure('bounced', false) }),
    ],
  },
  brevo: {
    provider: mailhooks.brevo(OFF),
    rows: [
      brevoRow('| `request` |', 'request', {
        eventType: 'queued',
        ...none,
        messageId: '<b@example.com>',
        timestamp: ISO0,
      }),
      brevoRow('| `delivered` |', 'delivered', { eventType: 'delivered', ...none }),
      brevoRow('| `deferred` |', 'deferred', { eventType: 'deferred', ...none }),
      brevoRow('| `hard_bounce` |', 'hard_bounce', {
        eventType: 'bounced',
        ...failure('bounced', true),
      }),
      brevoRow('| `soft_bounce` |', 'soft_bounce', {
        eventType: 'bounced',
        ...failure('bounced', false),
      }),
      brevoRow('| `invalid_email` |', 'invalid_email', {
        eventType: 'bounced',
        ...failure('invalid', true),
      }),
      brevoRow('| `blocked` |', 'blocked', { eventType: 'rejected', ...failure('blocked', true) }),
      brevoRow('| `error` |', 'error', { eventType: 'failed', ...failure('other', false) }),
      brevoRow('| `spam`, `complaint` |', 'complaint', {
        eventType: 'complained',
        ...failure('spam', null),
      }),
      brevoRow('| `opened`, `unique_opened`, `proxy_open`', 'unique_proxy_open', {
        eventType: 'opened',
        ...none,
      }),
      brevoRow('| `click` |', 'click', { eventType: 'clicked', ...none }),
      brevoRow('| `unsubscribe`, `unsubscribed` |', 'unsubscribed', {
        eventType: 'unsubscribed',
        ...failure('unsubscribed', null),
      }),
      brevoRow('| anything else (`list_addition`', 'list_addition', {
        eventType: 'unknown',
        ...none,
      }),
    ],
  },
  mailjet: {
    provider: mailhooks.mailjet(OFF),
    rows: [
      mailjetRow('| `sent` |', '"event":"sent"', {
        eventType: 'delivered',
        ...none,
        messageId: '104427216766056453',
        timestamp: ISO0,
      }),
      mailjetRow('| `open` |', '"event":"open"', { eventType: 'opened', ...none }),
      mailjetRow('| `click` |', '"event":"click"', { eventType: 'clicked', ...none }),
      mailjetRow('| `bounce` |', '"event":"bounce","error":"user unknown","hard_bounce":true', {
        eventType: 'bounced',
        ...failure('bounced', true),
      }),
      mailjetRow('| `bounce` |', '"event":"bounce","error":"greylisted","hard_bounce":false', {
        eventType: 'deferred',
        ...none,
      }),
      mailjetRow('| `bounce` |', '"event":"bounce","hard_bounce":false', {
        eventType: 'bounced',
        ...failure('bounced', false),
      }),
      mailjetRow('| `blocked` |', '"event":"blocked","error":"preblocked"', {
        eventType: 'rejected',
        ...failure('blocked', true),
      }),
      mailjetRow('| `blocked` |', '"event":"blocked","error":"content blocked"', {
        eventType: 'rejected',
        ...failure('blocked', false),
      }),
      mailjetRow('| `blocked` |', '"event":"blocked"', {
        eventType: 'rejected',
        ...failure('blocked', false),
      }),
      mailjetRow('| `spam` |', '"event":"spam"', {
        eventType: 'complained',
        ...failure('spam', null),
      }),
      mailjetRow('| `unsub` |', '"event":"unsub"', {
        eventType: 'unsubscribed',
        ...failure('unsubscribed', null),
      }),
      mailjetRow('| anything else |', '"event":"novel"', { eventType: 'unknown', ...none }),
    ],
  },
  sparkpost: {
    provider: mailhooks.sparkpost(OFF),
    rows: [
      sparkpostRow(
        '| `injection` |',
        'injection',
        {},
        {
          eventType: 'queued',
          ...none,
          recipient: 'a@example.com',
          messageId: 'sp-tx',
          eventId: 'sp-event',
          timestamp: ISO0,
        },
      ),
      sparkpostRow('| `delivery` |', 'delivery', {}, { eventType: 'delivered', ...none }),
      sparkpostRow('| `delay` |', 'delay', {}, { eventType: 'deferred', ...none }),
      sparkpostRow(
        '| `bounce`, `out_of_band` |',
        'bounce',
        { bounce_class: '10' },
        {
          eventType: 'bounced',
          ...failure('invalid', true),
        },
      ),
      sparkpostRow(
        '| `bounce`, `out_of_band` |',
        'out_of_band',
        { bounce_class: '21' },
        {
          eventType: 'bounced',
          ...failure('bounced', false),
        },
      ),
      sparkpostRow(
        '| `bounce`, `out_of_band` |',
        'bounce',
        { bounce_class: '90' },
        {
          eventType: 'unsubscribed',
          ...failure('unsubscribed', null),
        },
      ),
      sparkpostRow(
        '| `policy_rejection`, `generation_rejection` |',
        'policy_rejection',
        { reason: '550 5.0.0 recipient address suppressed due to customer policy' },
        { eventType: 'rejected', ...failure('blocked', true) },
      ),
      sparkpostRow(
        '| `policy_rejection`, `generation_rejection` |',
        'generation_rejection',
        {},
        {
          eventType: 'rejected',
          ...failure('other', false),
        },
      ),
      sparkpostRow(
        '| `generation_failure` |',
        'generation_failure',
        {},
        {
          eventType: 'failed',
          ...failure('other', false),
        },
      ),
      sparkpostRow(
        '| `spam_complaint` |',
        'spam_complaint',
        {},
        {
          eventType: 'complained',
          ...failure('spam', null),
        },
      ),
      sparkpostRow('| `open`, `amp_open` |', 'amp_open', {}, { eventType: 'opened', ...none }),
      sparkpostRow('| `click`, `amp_click` |', 'click', {}, { eventType: 'clicked', ...none }),
      sparkpostRow(
        '| `list_unsubscribe`, `link_unsubscribe` |',
        'list_unsubscribe',
        {},
        {
          eventType: 'unsubscribed',
          ...failure('unsubscribed', null),
        },
      ),
      sparkpostRow(
        '| `initial_open`, `amp_initial_open`, anything else |',
        'initial_open',
        {},
        {
          eventType: 'unknown',
          ...none,
        },
      ),
    ],
  },
  'unisender-go': {
    provider: mailhooks.unisenderGo(OFF),
    rows: [
      unisenderRow(
        '| `sent` |',
        'sent',
        {},
        {
          eventType: 'sent',
          ...none,
          messageId: 'ug-job',
          timestamp: '2024-09-06T23:22:40.000Z',
        },
      ),
      unisenderRow('| `delivered` |', 'delivered', {}, { eventType: 'delivered', ...none }),
      unisenderRow('| `opened` |', 'opened', {}, { eventType: 'opened', ...none }),
      unisenderRow('| `clicked` |', 'clicked', {}, { eventType: 'clicked', ...none }),
      unisenderRow('| `soft_bounced` |', 'soft_bounced', {}, { eventType: 'deferred', ...none }),
      unisenderRow(
        '| `hard_bounced` |',
        'hard_bounced',
        { delivery_info: { delivery_status: 'err_blacklisted' } },
        { eventType: 'bounced', ...failure('blocked', true) },
      ),
      unisenderRow(
        '| `hard_bounced` |',
        'hard_bounced',
        {},
        {
          eventType: 'bounced',
          ...failure('bounced', true),
        },
      ),
      unisenderRow('| `spam` |', 'spam', {}, { eventType: 'complained', ...failure('spam', null) }),
      unisenderRow(
        '| `unsubscribed` |',
        'unsubscribed',
        {},
        {
          eventType: 'unsubscribed',
          ...failure('unsubscribed', null),
        },
      ),
      unisenderRow(
        '| `subscribed`, anything else |',
        'subscribed',
        {},
        {
          eventType: 'unknown',
          ...none,
        },
      ),
    ],
  },
  mailersend: {
    provider: mailhooks.mailersend(OFF),
    rows: [
      mailersendRow('| `sent` |', 'sent', {
        eventType: 'sent',
        ...none,
        messageId: 'ms-message',
        eventId: 'ms-activity',
        timestamp: '2024-01-02T00:00:00.000Z',
      }),
      mailersendRow('| `delivered` |', 'delivered', { eventType: 'delivered', ...none }),
      mailersendRow('| `deferred` |', 'deferred', { eventType: 'deferred', ...none }),
      mailersendRow('| `soft_bounced` |', 'soft_bounced', {
        eventType: 'bounced',
        ...failure('bounced', false),
      }),
      mailersendRow('| `hard_bounced` |', 'hard_bounced', {
        eventType: 'bounced',
        ...failure('bounced', true),
      }),
      mailersendRow('| `opened`, `opened_unique` |', 'opened_unique', {
        eventType: 'opened',
        ...none,
      }),
      mailersendRow('| `clicked`, `clicked_unique` |', 'clicked_unique', {
        eventType: 'clicked',
        ...none,
      }),
      mailersendRow('| `unsubscribed` |', 'unsubscribed', {
        eventType: 'unsubscribed',
        ...failure('unsubscribed', null),
      }),
      mailersendRow('| `spam_complaint`, `spam_complaints` |', 'spam_complaints', {
        eventType: 'complained',
        ...failure('spam', null),
      }),
      mailersendRow('| `suppressed` |', 'suppressed', {
        eventType: 'rejected',
        ...failure('blocked', true),
      }),
      mailersendRow('| any other `activity.*`', 'survey_opened', { eventType: 'unknown', ...none }),
    ],
  },
  mailtrap: {
    provider: mailhooks.mailtrap(OFF),
    rows: [
      mailtrapRow(
        '| `delivery` |',
        'delivery',
        {},
        {
          eventType: 'delivered',
          ...none,
          messageId: 'mt-message',
          eventId: 'mt-event',
          timestamp: ISO0,
        },
      ),
      mailtrapRow('| `open` |', 'open', {}, { eventType: 'opened', ...none }),
      mailtrapRow('| `click` |', 'click', {}, { eventType: 'clicked', ...none }),
      mailtrapRow(
        '| `bounce` |',
        'bounce',
        { bounce_category: 'spam_related' },
        {
          eventType: 'bounced',
          ...failure('bounced', true),
        },
      ),
      mailtrapRow('| `soft bounce` |', 'soft bounce', {}, { eventType: 'deferred', ...none }),
      mailtrapRow('| `suspension` |', 'suspension', {}, { eventType: 'deferred', ...none }),
      mailtrapRow(
        '| `reject` |',
        'reject',
        { reason: 'Recipient in suppression list. Reason: unsubscription' },
        { eventType: 'rejected', ...failure('blocked', true) },
      ),
      mailtrapRow(
        '| `reject` |',
        'reject',
        { reason: 'other' },
        {
          eventType: 'rejected',
          ...failure('blocked', false),
        },
      ),
      mailtrapRow('| `spam` |', 'spam', {}, { eventType: 'complained', ...failure('spam', null) }),
      mailtrapRow(
        '| `unsubscribe` |',
        'unsubscribe',
        {},
        {
          eventType: 'unsubscribed',
          ...failure('unsubscribed', null),
        },
      ),
      mailtrapRow('| anything else |', 'novel', {}, { eventType: 'unknown', ...none }),
    ],
  },
  mandrill: {
    provider: mailhooks.mandrill(OFF),
    rows: [
      mandrillRow('| `send` |', mandrillEvent('send'), {
        eventType: 'sent',
        ...none,
        messageId: 'md-id',
        timestamp: ISO0,
      }),
      mandrillRow('| `delivered` |', mandrillEvent('delivered'), {
        eventType: 'delivered',
        ...none,
      }),
      mandrillRow('| `deferral` |', mandrillEvent('deferral'), { eventType: 'deferred', ...none }),
      mandrillRow('| `hard_bounce` |', mandrillEvent('hard_bounce'), {
        eventType: 'bounced',
        ...failure('bounced', true),
      }),
      mandrillRow('| `soft_bounce` |', mandrillEvent('soft_bounce'), {
        eventType: 'bounced',
        ...failure('bounced', false),
      }),
      mandrillRow('| `open` |', mandrillEvent('open'), { eventType: 'opened', ...none }),
      mandrillRow('| `click` |', mandrillEvent('click'), { eventType: 'clicked', ...none }),
      mandrillRow('| `spam` |', mandrillEvent('spam'), {
        eventType: 'complained',
        ...failure('spam', null),
      }),
      mandrillRow('| `unsub` |', mandrillEvent('unsub'), {
        eventType: 'unsubscribed',
        ...failure('unsubscribed', null),
      }),
      mandrillRow('| `reject` |', mandrillEvent('reject'), {
        eventType: 'rejected',
        ...failure('blocked', true),
      }),
      mandrillRow(
        '| sync events (`whitelist`, `blacklist`)',
        {
          type: 'blacklist',
          action: 'add',
          reject: { email: 'a@example.com', reason: 'hard-bounce' },
        },
        { eventType: 'unknown', ...none, recipient: 'a@example.com', messageId: '' },
      ),
      // Mandrill's whitelist (allowlist) sync events carry the address in `entry`, not `reject`.
      mandrillRow(
        '| sync events (`whitelist`, `blacklist`)',
        { type: 'whitelist', action: 'add', entry: { email: 'a@example.com', detail: 'd' } },
        { eventType: 'unknown', ...none, recipient: 'a@example.com', messageId: '' },
      ),
      mandrillRow(
        '| sync events (`whitelist`, `blacklist`) and anything else',
        mandrillEvent('novel'),
        {
          eventType: 'unknown',
          ...none,
        },
      ),
    ],
  },
  postal: {
    provider: mailhooks.postal(OFF),
    rows: [
      postalRow(
        '| `MessageSent` (`status: Sent`) |',
        'MessageSent',
        { message: postalMessage, status: 'Sent' },
        {
          eventType: 'delivered',
          ...none,
          messageId: '233843',
          eventId: 'postal-uuid',
          timestamp: ISO0,
        },
      ),
      postalRow(
        '| `MessageDelayed` (`SoftFail`) |',
        'MessageDelayed',
        { message: postalMessage, status: 'SoftFail' },
        {
          eventType: 'deferred',
          ...none,
        },
      ),
      postalRow(
        '| `MessageDeliveryFailed` (`HardFail`) |',
        'MessageDeliveryFailed',
        { message: postalMessage, status: 'HardFail' },
        { eventType: 'failed', ...failure('other', true) },
      ),
      postalRow(
        '| `MessageHeld` (`Held`) |',
        'MessageHeld',
        { message: postalMessage, status: 'Held' },
        {
          eventType: 'queued',
          ...none,
        },
      ),
      postalRow(
        '| `MessageBounced` (payload has `bounce`) |',
        'MessageBounced',
        { original_message: postalMessage, bounce: { ...postalMessage, id: 9 } },
        { eventType: 'bounced', ...failure('bounced', true), messageId: '233843' },
      ),
      postalRow(
        '| `MessageLinkClicked` (payload has `url`) |',
        'MessageLinkClicked',
        { message: postalMessage, url: 'https://x' },
        { eventType: 'clicked', ...none },
      ),
      postalRow(
        '| `MessageLoaded` |',
        'MessageLoaded',
        { message: postalMessage },
        {
          eventType: 'opened',
          ...none,
        },
      ),
      postalRow(
        '| any other status or event about a message |',
        'MessageSent',
        { message: postalMessage, status: 'Novel' },
        {
          eventType: 'unknown',
          ...none,
        },
      ),
    ],
  },
  mailpace: {
    provider: mailhooks.mailpace(OFF),
    rows: [
      mailpaceRow('| `email.queued` |', 'email.queued', {
        eventType: 'queued',
        ...none,
        recipient: 'a@example.com',
        messageId: '<mp@example.com>',
        timestamp: '2024-01-01T00:00:00.000Z',
      }),
      mailpaceRow('| `email.delivered` |', 'email.delivered', { eventType: 'delivered', ...none }),
      mailpaceRow('| `email.deferred` |', 'email.deferred', { eventType: 'deferred', ...none }),
      mailpaceRow('| `email.bounced` |', 'email.bounced', {
        eventType: 'bounced',
        ...failure('bounced', true),
      }),
      mailpaceRow('| `email.spam` |', 'email.spam', {
        eventType: 'rejected',
        ...failure('spam', false),
      }),
      mailpaceRow('| anything else |', 'email.novel', { eventType: 'unknown', ...none }),
    ],
  },
  loops: {
    provider: mailhooks.loops(OFF),
    rows: [
      loopsRow('| `campaign.email.sent`, `loop.email.sent`', 'transactional.email.sent', {
        eventType: 'sent',
        ...none,
        messageId: 'loops-email',
        eventId: 'msg_docs',
        timestamp: ISO0,
      }),
      loopsRow('| `email.delivered` |', 'email.delivered', { eventType: 'delivered', ...none }),
      loopsRow('| `email.softBounced` |', 'email.softBounced', {
        eventType: 'bounced',
        ...failure('bounced', false),
      }),
      loopsRow('| `email.hardBounced` |', 'email.hardBounced', {
        eventType: 'bounced',
        ...failure('bounced', true),
      }),
      loopsRow('| `email.opened` |', 'email.opened', { eventType: 'opened', ...none }),
      loopsRow('| `email.clicked` |', 'email.clicked', { eventType: 'clicked', ...none }),
      loopsRow('| `email.unsubscribed` |', 'email.unsubscribed', {
        eventType: 'unsubscribed',
        ...failure('unsubscribed', null),
      }),
      loopsRow('| `email.spamReported` |', 'email.spamReported', {
        eventType: 'complained',
        ...failure('spam', null),
      }),
      loopsRow('| `email.resubscribed`, any other `email.*` |', 'email.resubscribed', {
        eventType: 'unknown',
        ...none,
      }),
      loopsRow('| `testing.testEvent`', 'testing.testEvent', null),
      loopsRow('| `testing.testEvent`', 'contact.created', null),
    ],
  },
  scaleway: {
    provider: mailhooks.scaleway(OFF),
    rows: [
      scalewayRow(
        '| `email_queued` |',
        'email_queued',
        {},
        {
          eventType: 'queued',
          ...none,
          messageId: 'tem-email',
          eventId: 'tem-event',
          timestamp: '2025-03-26T10:00:05.000Z',
        },
      ),
      scalewayRow(
        '| `email_delivered` |',
        'email_delivered',
        {},
        { eventType: 'delivered', ...none },
      ),
      scalewayRow('| `email_deferred` |', 'email_deferred', {}, { eventType: 'deferred', ...none }),
      scalewayRow(
        '| `email_dropped` |',
        'email_dropped',
        {},
        {
          eventType: 'bounced',
          ...failure('bounced', true),
        },
      ),
      scalewayRow(
        '| `email_mailbox_not_found` |',
        'email_mailbox_not_found',
        {},
        {
          eventType: 'bounced',
          ...failure('invalid', true),
        },
      ),
      scalewayRow(
        '| `email_spam` |',
        'email_spam',
        {},
        {
          eventType: 'rejected',
          ...failure('spam', false),
        },
      ),
      scalewayRow(
        '| `email_blocklisted` |',
        'email_blocklisted',
        { email_id: undefined, blocklist_type: 'mailbox_full', blocklist_reason: 'mailbox full' },
        { eventType: 'rejected', ...failure('blocked', true), messageId: '' },
      ),
      scalewayRow(
        '| `unknown_type`, anything new |',
        'unknown_type',
        {},
        {
          eventType: 'unknown',
          ...none,
        },
      ),
      scalewayRow('| `blocklist_created` |', 'blocklist_created', {}, null),
    ],
  },
};

const rowCases = Object.entries(ROWS).flatMap(([page, { provider, rows }]) =>
  rows.map((row, index) => ({ page, provider, row, name: `${page} #${index + 1} ${row.row}` })),
);

/** The `|` lines of a page: where the rows the cases name must be. */
const tableLines = (page: string) =>
  read(`docs/providers/${page}.md`)
    .split('\n')
    .filter((line) => line.startsWith('|'));

describe('the event tables of the provider pages', () => {
  it('has cases for every page', () => {
    expect(Object.keys(ROWS).sort()).toEqual(pages);
  });

  it.each(rowCases)('$name', async ({ page, provider, row }) => {
    // A row of a table, or, for a page that maps its events in prose (ses-eventbridge), its words.
    const where = row.row.startsWith('|')
      ? tableLines(page)
      : [read(`docs/providers/${page}.md`).replace(/\s+/g, ' ')];
    expect(where.some((text) => text.includes(row.row))).toBe(true);
    const received: EmailTrackingContext[] = [];
    const handler = createMailWebhookHandler({
      providers: [provider],
      sinks: [{ name: 'docs', send: async (events) => void received.push(...events) }],
      logger: silentLogger,
    });
    const response = await handler(
      new Request(`https://mailhooks.test/webhooks/mail/${provider.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...row.headers },
        body: typeof row.body === 'string' ? row.body : JSON.stringify(row.body),
      }),
    );
    expect(response.status).toBe(200);
    if (row.expect === null) {
      expect(received).toEqual([]);
      return;
    }
    expect(received).toHaveLength(1);
    const [context] = received;
    const { timestamp, ...fields } = row.expect;
    expect(context).toMatchObject({ espName: page, ...fields });
    if (timestamp !== undefined) expect(context?.timestamp.toISOString()).toBe(timestamp);
  });
});
