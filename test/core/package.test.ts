/**
 * What `npm install mailhooks` gives a user: the files `npm pack` puts in the tarball. The D1
 * schema ships with the code, so `wrangler d1 migrations apply` works from `node_modules`, and
 * the guides the README links to ship with it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { relativeLinks } from '../helpers/docs.js';
import { installPackage } from '../helpers/installed-package.js';

const ROOT = resolve(import.meta.dirname, '../..');

interface Packed {
  readonly files: readonly { readonly path: string }[];
}

let packing: Promise<string[]> | undefined;

/** The tarball's file list, from one `npm pack --dry-run` shared by the tests of this file. */
function packedPaths(): Promise<string[]> {
  // --ignore-scripts: list the tarball without rebuilding dist/ (prepare) in the middle of a test.
  packing ??= promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
  }).then(({ stdout }) => {
    const [packed] = JSON.parse(stdout) as Packed[];
    return (packed?.files ?? []).map((file) => file.path);
  });
  return packing;
}

describe('the published package', () => {
  it('ships every migration, so wrangler can apply them from node_modules/mailhooks', async () => {
    const paths = await packedPaths();
    const migrations = readdirSync(join(ROOT, 'migrations')).filter((f) => f.endsWith('.sql'));
    expect(migrations.length).toBeGreaterThan(0);
    for (const file of migrations) expect(paths).toContain(`migrations/${file}`);
    // Nothing from the repository's own working files: sources, tests, secrets.
    expect(paths.filter((p) => /^(src|test|bench|\.dev\.vars)/.test(p))).toEqual([]);
  });

  it('ships every file a link in its README or its docs/ pages points at', async () => {
    const paths = await packedPaths();
    const pages = paths.filter((p) => p.endsWith('.md'));
    expect(pages).toContain('README.md');
    const broken = pages.flatMap((page) =>
      relativeLinks(page)
        .map((link) => link.target)
        .filter(
          (target) =>
            !paths.some((p) => p === target || p.startsWith(`${target.replace(/\/$/, '')}/`)),
        )
        .map((target) => `${page} -> ${target}`),
    );
    expect(broken).toEqual([]);
  });

  it('has a package.json npm publishes as written (`npm pkg fix` changes nothing, so no "auto-corrected" warning)', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'mailhooks-manifest-'));
    try {
      const written = readFileSync(join(ROOT, 'package.json'), 'utf8');
      writeFileSync(join(copy, 'package.json'), written);
      await promisify(execFile)('npm', ['pkg', 'fix'], { cwd: copy });
      const fixed: unknown = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8'));
      expect(fixed).toEqual(JSON.parse(written));
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('names in `files` every folder its exports and bin point into', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      files: string[];
      exports: Record<string, string | { default: string; types?: string }>;
      bin: Record<string, string>;
    };
    const targets = [
      ...Object.values(pkg.exports).flatMap((t) =>
        typeof t === 'string' ? [t] : [t.default, ...(t.types ? [t.types] : [])],
      ),
      ...Object.values(pkg.bin),
    ].filter((t) => t !== './package.json');
    for (const target of targets) {
      const top = target.replace(/^\.\//, '').split('/')[0];
      expect(pkg.files, target).toContain(top);
    }
  });
});

/**
 * A consumer of the built package (what `npm install mailhooks` puts in node_modules): every name
 * and subpath of DESIGN's "Public API", with the signatures it gives. Type-checked without
 * `skipLibCheck`, so every declaration file the package's entry points reach must compile.
 */
const CONSUMER_TS = `
import {
  ConfigError, createD1Store, createFanoutSink, createMailWebhookHandler, createQueueSink,
  createSqliteStore, decodeTrackingEvent, defineProvider, EmailTrackingEvent, encodeTrackingEvent,
  EventBus, handleMailWebhook, refuse, ses, resend, sendgrid, mailgun, postmark, sesEventBridge,
  brevo, mailjet, mandrill, mailersend, mailtrap, sparkpost, postal, mailpace, loops, unisenderGo,
  scaleway, WireFormatError,
  type EmailTrackingContext, type Logger, type MailWebhookOptions, type Provider, type Sink,
  type TrackingEventType,
  type D1DatabaseLike, type EventBusOptions, type FanoutFailure, type RejectCategory,
  type SqliteDatabaseLike,
} from 'mailhooks';
import {
  type BuiltinProvider, createHandlerFromEnv, type OpenSqlite, sinksFromEnv, type UnknownVariable,
} from 'mailhooks/env';
import worker, { consumeQueueBatch } from 'mailhooks/cloudflare';
import * as node from 'mailhooks/node';
import * as deno from 'mailhooks/deno';
import * as bun from 'mailhooks/bun';
import { verifyTrackingWebhook, WebhookVerificationError } from 'mailhooks/receiver';

type Handler = (request: Request) => Promise<Response>;
const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const options: MailWebhookOptions = {
  basePath: '/webhooks/mail', enabled: true, providers: [ses({ topicArns: ['arn:aws:sns:us-east-1:1:t'] })],
  sinks: [new EventBus()], maxBodyBytes: 1048576, bodyTimeoutMs: 30000, deliveryTimeoutMs: 10000,
  listenerTimeoutMs: 5000, fetch: globalThis.fetch, now: () => new Date(), logger,
};
const handlers: Handler[] = [createMailWebhookHandler(), createMailWebhookHandler(options),
  node.createMailWebhookHandler(options), createHandlerFromEnv({})];
const answers: Promise<Response>[] = [handleMailWebhook(new Request('http://x/')),
  node.handleMailWebhook(new Request('http://x/'), options)];
const unsubscribe: (() => void)[] = [
  new EventBus().subscribe(EmailTrackingEvent, { handle: (context, next) => next(context) }),
  EventBus.subscribe(EmailTrackingEvent, (context: EmailTrackingContext, next) => next(context)),
];
const providers: Provider[] = [ses(), resend({ secret: 'whsec_a' }), sendgrid({ publicKey: 'k' }),
  mailgun({ signingKey: ['k1', 'k2'] }), postmark({ password: 'p' }), sesEventBridge({ token: 't' }),
  brevo({ token: 't' }), mailjet({ password: 'p' }), mandrill({ webhookKey: 'k', url: 'https://x/' }),
  mailersend({ secret: 's' }), mailtrap({ secret: 's' }), sparkpost({ password: 'p' }),
  postal({ publicKey: 'k' }), mailpace({ publicKey: 'k' }), loops({ secret: 'whsec_a' }),
  unisenderGo({ apiKey: 'k' }), scaleway({ topicArns: ['t'], trustAnchors: 'pem' }),
  defineProvider({
    name: 'acme-mail', methods: ['POST'],
    authenticate: (request, context) => (request && context.now() ? undefined : refuse(401, 'x', 'y')),
    async handle(_request, body: Uint8Array, { fetch: f, now, logger: l }) {
      void f; void now; void l; void body;
      return { events: [] as EmailTrackingContext[] };
    },
  }),
];
const sinks: Sink[] = [new EventBus(), createQueueSink({ sendBatch: async () => {} }),
  createFanoutSink({ endpoints: [{ url: 'https://a.example/h', secret: 'whsec_a', events: ['bounced'] }], timeoutMs: 1, retries: 0, fetch })];
const wire: string = encodeTrackingEvent({} as EmailTrackingContext);
const decoded: EmailTrackingContext[] = [decodeTrackingEvent(wire), decodeTrackingEvent({})];
const type: TrackingEventType = decoded[0]?.eventType ?? 'unknown';
const store = createD1Store({} as Parameters<typeof createD1Store>[0]);
const suppressed: Promise<boolean> = store.isSuppressed('a@example.com');
const history: Promise<EmailTrackingContext[]> = store.events({ recipient: 'a', eventType: 'bounced', limit: 1 });
createSqliteStore({} as Parameters<typeof createSqliteStore>[0], { ignoreLocalPartCase: true, retentionDays: 30 });
const errors: Error[] = [new ConfigError('a', 'b'), new WireFormatError('a', 'b'),
  new WebhookVerificationError('signature-invalid', 'c')];
const verified: Promise<EmailTrackingContext> = verifyTrackingWebhook(new Request('http://x/'), ['whsec_a']);
void [handlers, answers, unsubscribe, providers, sinks, type, suppressed, history, errors, verified,
  worker.fetch, worker.queue, consumeQueueBatch, sinksFromEnv, node.serve, deno.serve, bun.serve];

// Everyday user code the runtime takes, so the types must too.
// A Worker's env as \`wrangler types\` writes it: an interface, without an index signature.
interface WorkerEnv { MAIL_WEBHOOK_ENABLED: string; MAIL_WEBHOOK_DB: object }
declare const workerEnv: WorkerEnv;
const fromInterface: [Handler, Promise<Response> | Response] = [createHandlerFromEnv(workerEnv),
  worker.fetch(new Request('http://x/'), workerEnv)];
sinksFromEnv(workerEnv, { fetch, logger });
// A Worker of one's own around the shipped one: it passes on the three arguments workerd gives.
interface WorkerContext { waitUntil(promise: Promise<unknown>): void; passThroughOnException(): void }
const ownWorker = {
  fetch: (request: Request, env: WorkerEnv, ctx: WorkerContext) => worker.fetch(request, env, ctx),
  queue: (batch: Parameters<typeof worker.queue>[0], env: WorkerEnv, ctx: WorkerContext) =>
    worker.queue(batch, env, ctx),
};
// Settings written as constants: readonly arrays.
const endpoints = [{ url: 'https://a.example/h', secret: 'whsec_a', events: ['bounced', 'complained'] }] as const;
const TOPICS = ['arn:aws:sns:us-east-1:123456789012:a'] as const;
const KEYS = ['key-1', 'key-2'] as const;
const constProviders: Provider[] = [ses({ topicArns: TOPICS, secret: KEYS }), resend({ secret: KEYS }),
  postmark({ password: KEYS }), mailgun({ signingKey: KEYS }), scaleway({ topicArns: TOPICS, trustAnchors: KEYS }),
  sesEventBridge({ token: KEYS, accounts: ['123456789012'] as const })];
// A fetch wrapper or mock: a function, without the extra properties of a runtime's own fetch.
const plainFetch = (input: string | URL | Request, init?: RequestInit) => fetch(input, init);
const constSinks: Sink[] = [createFanoutSink({ endpoints, fetch: plainFetch })];
createMailWebhookHandler({ fetch: plainFetch, sinks: constSinks });
// An async listener that stops the chain for some events and passes the rest on.
EventBus.subscribe(EmailTrackingEvent, async (context, next) => {
  if (context.permanent) return;
  return next(context);
});
// Optional settings passed on as they came (exactOptionalPropertyTypes).
declare const maybePath: string | undefined;
const acme: Provider = defineProvider({ name: 'acme', path: maybePath, handle: () => ({ events: [] }) });
// A registry entry of one's own: its options are not \`any\`.
type IsAny<T> = 0 extends 1 & T ? true : false;
const entry: BuiltinProvider = {
  name: 'acme',
  settings: { token: 'secret' },
  create(options) {
    const notAny: IsAny<typeof options> = false;
    return notAny || typeof options.token !== 'string' ? acme : acme;
  },
};
void [fromInterface, entry, constProviders, ownWorker];
// The types of what the public functions take and give can be named.
const busOptions: EventBusOptions = { name: 'audit', listenerTimeoutMs: 1000 };
const category: RejectCategory | null = decoded[0]?.rejectCategory ?? null;
const storeFor = (db: D1DatabaseLike | SqliteDatabaseLike) =>
  'batch' in db ? createD1Store(db) : createSqliteStore(db);
const failed = (failures: readonly FanoutFailure[]) => failures.map((f) => f.endpoint);
const unknownNames = (found: UnknownVariable[]) => found.map((u) => u.name);
const opener: OpenSqlite | undefined = undefined;
void [new EventBus(busOptions), category, storeFor, failed, unknownNames, opener];
`;

/** Bun's `typeof fetch` also has `fetch.preconnect` (bun-types); the DOM's and Node's have not. */
const BUN_FETCH_D_TS = `
declare namespace fetch {
  function preconnect(url: string | URL): void;
}
`;

/** The same names, checked at run time by plain `node` (every subpath loads on Node). */
const CONSUMER_MJS = `
const expected = {
  mailhooks: ['createMailWebhookHandler', 'handleMailWebhook', 'EventBus', 'EmailTrackingEvent',
    'ses', 'resend', 'sendgrid', 'mailgun', 'postmark', 'sesEventBridge', 'brevo', 'mailjet',
    'mandrill', 'mailersend', 'mailtrap', 'sparkpost', 'postal', 'mailpace', 'loops', 'unisenderGo',
    'scaleway', 'defineProvider', 'refuse', 'createQueueSink', 'createFanoutSink', 'createD1Store',
    'createSqliteStore', 'encodeTrackingEvent', 'decodeTrackingEvent', 'ConfigError', 'WireFormatError'],
  'mailhooks/env': ['createHandlerFromEnv', 'createRuntimeFromEnv', 'sinksFromEnv'],
  'mailhooks/cloudflare': ['default', 'consumeQueueBatch', 'createWorker'],
  'mailhooks/node': ['createMailWebhookHandler', 'handleMailWebhook', 'serve'],
  'mailhooks/deno': ['createMailWebhookHandler', 'serve'],
  'mailhooks/bun': ['createMailWebhookHandler', 'serve'],
  'mailhooks/receiver': ['verifyTrackingWebhook', 'WebhookVerificationError'],
};
const missing = [];
for (const [specifier, names] of Object.entries(expected)) {
  const module = await import(specifier);
  for (const name of names) if (module[name] === undefined) missing.push(specifier + ': ' + name);
}
console.log(JSON.stringify(missing));
`;

/**
 * A CommonJS consumer: for each subpath given, what `require` gives (`same` as `import()`, or
 * the error's code).
 */
const CONSUMER_CJS = `
(async () => {
  const result = {};
  for (const specifier of process.argv.slice(2)) {
    let required;
    try {
      required = require(specifier);
    } catch (error) {
      result[specifier] = error.code;
      continue;
    }
    const imported = await import(specifier);
    const names = Object.keys(imported);
    const same = names.length > 0 && names.every((name) => required[name] === imported[name]);
    result[specifier] = same ? 'same' : 'differs';
  }
  console.log(JSON.stringify(result));
})();
`;

describe('the built package, as a consumer imports it', () => {
  const directory = mkdtempSync(join(tmpdir(), 'mailhooks-consumer-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  const run = promisify(execFile);
  let installing: Promise<void> | undefined;
  // One build of the package, shared by the tests below.
  const installed = () => {
    installing ??= installPackage(directory, ['valibot', 'itty-router', '@types']);
    return installing;
  };

  it('type-checks and loads every public name and subpath', async () => {
    await installed();
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    writeFileSync(join(directory, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(join(directory, 'consumer.ts'), CONSUMER_TS);
    writeFileSync(join(directory, 'bun-fetch.d.ts'), BUN_FETCH_D_TS);
    writeFileSync(join(directory, 'consumer.mjs'), CONSUMER_MJS);

    // Node without the DOM lib (CryptoKey, say, is not a global in @types/node 20), and a
    // bundler project with the DOM lib and no Node types; neither skips the package's .d.ts files.
    const projects = {
      nodenext: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        lib: ['ES2022'],
        types: ['node'],
      },
      node16: { module: 'Node16', moduleResolution: 'Node16', lib: ['ES2022'], types: ['node'] },
      // node10, the default of "module": "commonjs" before TypeScript 7, reads no `exports`: the
      // subpaths' types come from `typesVersions`. TypeScript 7 dropped node10; this is its
      // reading of package.json (the subpaths were "Cannot find module 'mailhooks/node'").
      node10: {
        module: 'ESNext',
        moduleResolution: 'Bundler',
        resolvePackageJsonExports: false,
        lib: ['ES2022'],
        types: ['node'],
      },
      bundler: {
        module: 'ESNext',
        moduleResolution: 'Bundler',
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
        types: [],
      },
    };
    const failures: string[] = [];
    for (const [name, settings] of Object.entries(projects)) {
      const config = `tsconfig.${name}.json`;
      const compilerOptions = {
        ...settings,
        target: 'ES2022',
        strict: true,
        exactOptionalPropertyTypes: true,
        skipLibCheck: false,
        noEmit: true,
      };
      writeFileSync(
        join(directory, config),
        JSON.stringify({ compilerOptions, files: ['consumer.ts', 'bun-fetch.d.ts'] }),
      );
      await run(process.execPath, [tsc, '-p', config, '--pretty', 'false'], {
        cwd: directory,
      }).catch((error: { stdout?: string }) =>
        failures.push(`${name}:\n${error.stdout ?? String(error)}`),
      );
    }
    expect(failures.join('\n')).toBe('');

    const { stdout } = await run(process.execPath, ['consumer.mjs'], { cwd: directory });
    expect(JSON.parse(stdout)).toEqual([]);
    // Three type-checks, after the package's build when this file is the worker's first to need
    // it: 55 s of the old 60 s limit on a loaded 2-CPU machine. The limit catches a hang.
  }, 180_000);

  it('gives require() the same modules as import where Node loads ES modules with require (20.19+), else ERR_REQUIRE_ESM', async () => {
    await installed();
    writeFileSync(join(directory, 'consumer.cjs'), CONSUMER_CJS);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    // The /server entries start a server (and await at top level, which require refuses).
    const specifiers = Object.keys(pkg.exports)
      .filter((key) => key !== './package.json' && !key.endsWith('/server'))
      .map((key) => (key === '.' ? 'mailhooks' : `mailhooks/${key.slice(2)}`));
    expect(specifiers).toContain('mailhooks/receiver');

    const { stdout } = await run(process.execPath, ['consumer.cjs', ...specifiers], {
      cwd: directory,
    });
    const features = process.features as { require_module?: boolean };
    const expected = features.require_module ? 'same' : 'ERR_REQUIRE_ESM';
    expect(JSON.parse(stdout)).toEqual(
      Object.fromEntries(specifiers.map((specifier) => [specifier, expected])),
    );
    // Run first (in shuffled order), it waits for the package's build too.
  }, 120_000);
});
