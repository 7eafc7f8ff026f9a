// DESIGN "Environment-driven entry points", provider by provider: every setting DESIGN lists is
// a `MAIL_WEBHOOK_<NAME>_<SETTING>` variable (the kebab name in upper snake case), every secret or
// key rotates with `_PREVIOUS`, every required secret stops start-up naming its variable.
import { createHash, createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { BUILTIN_PROVIDERS, createHandlerFromEnv } from '../../src/env/index.js';
import { ConfigError } from '../../src/index.js';
import { configErrorOf } from '../helpers/config-error.js';
import {
  basic,
  CERT_URL,
  certFetch,
  fixtureJson,
  fixtureText,
  json,
  mailgunBody,
  makeSnsCert,
  newWhsec,
  post,
  recordingLogger,
  type SnsCert,
  sendgridKeys,
  snsEnvelope,
  snsRequest,
  standardRequest,
} from './helpers.js';

const HOST = 'https://h.example';
const ON = { MAIL_WEBHOOK_ENABLED: 'true' } as const;

/** `ses-eventbridge` + `accounts` → `MAIL_WEBHOOK_SES_EVENTBRIDGE_ACCOUNTS`, from DESIGN's rule. */
function variable(provider: string, setting: string): string {
  const name = provider.replace(/-/g, '_').toUpperCase();
  const snake = setting.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
  return `MAIL_WEBHOOK_${name}_${snake}`;
}

test('the variable naming rule, as DESIGN spells two of them', () => {
  expect(variable('ses-eventbridge', 'token')).toBe('MAIL_WEBHOOK_SES_EVENTBRIDGE_TOKEN');
  expect(variable('unisender-go', 'apiKey')).toBe('MAIL_WEBHOOK_UNISENDER_GO_API_KEY');
  expect(variable('ses', 'topicArns')).toBe('MAIL_WEBHOOK_SES_TOPIC_ARNS');
});

const SHARED = ['password', 'username', 'token', 'header', 'value'];
/** Each provider's settings as DESIGN's two tables list them (plus `path`, `verifySignature`). */
const DESIGN_SETTINGS: Record<string, string[]> = {
  ses: ['topicArns', 'secret', 'allowAnyTopic', 'maxAgeSeconds', 'autoConfirm', 'allowRawDelivery'],
  resend: ['secret', 'maxAgeSeconds'],
  sendgrid: ['publicKey', 'maxAgeSeconds'],
  mailgun: ['signingKey', 'maxAgeSeconds'],
  postmark: SHARED,
  'ses-eventbridge': [...SHARED, 'accounts'],
  brevo: SHARED,
  mailjet: SHARED,
  mandrill: ['webhookKey', 'url'],
  mailersend: ['secret'],
  mailtrap: ['secret'],
  sparkpost: SHARED,
  postal: ['publicKey'],
  mailpace: ['publicKey'],
  loops: ['secret'],
  'unisender-go': ['apiKey'],
  scaleway: ['topicArns', 'trustAnchors'],
};

// ------------------------------------------------------------------ keys ----

const rsa = () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    privateKey,
  };
};
const ed25519 = () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  // The raw 32-byte key is the tail of its SPKI encoding.
  const raw = publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
  return { publicKey: raw.toString('base64'), privateKey };
};

let scalewayAnchor: SnsCert | undefined;
const anchorPem = () => {
  scalewayAnchor ??= makeSnsCert({ cn: 'Scaleway Test CA' });
  return scalewayAnchor.certPem;
};

/** What each provider needs to start (its required secret), from DESIGN's tables. */
function baseEnv(provider: string): Record<string, string> {
  switch (provider) {
    case 'ses':
      return { MAIL_WEBHOOK_SES_TOPIC_ARNS: 'arn:aws:sns:us-east-1:123456789012:ses-events' };
    case 'resend':
    case 'loops':
      return { [variable(provider, 'secret')]: newWhsec() };
    case 'sendgrid':
      return { MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY: sendgridKeys().publicKey };
    case 'mailgun':
      return { MAIL_WEBHOOK_MAILGUN_SIGNING_KEY: 'mg-key' };
    case 'postmark':
    case 'brevo':
    case 'mailjet':
    case 'sparkpost':
    case 'ses-eventbridge':
      return { [variable(provider, 'password')]: 'pw' };
    case 'mandrill':
      return {
        MAIL_WEBHOOK_MANDRILL_WEBHOOK_KEY: 'mk',
        MAIL_WEBHOOK_MANDRILL_URL: `${HOST}/webhooks/mail/mandrill`,
      };
    case 'mailersend':
    case 'mailtrap':
      return { [variable(provider, 'secret')]: 'sk' };
    case 'postal':
      return { MAIL_WEBHOOK_POSTAL_PUBLIC_KEY: rsa().publicKey };
    case 'mailpace':
      return { MAIL_WEBHOOK_MAILPACE_PUBLIC_KEY: ed25519().publicKey };
    case 'unisender-go':
      return { MAIL_WEBHOOK_UNISENDER_GO_API_KEY: 'uk' };
    case 'scaleway':
      return {
        MAIL_WEBHOOK_SCALEWAY_TRUST_ANCHORS: anchorPem(),
        MAIL_WEBHOOK_SCALEWAY_TOPIC_ARNS: 'arn:scw:sns:fr-par:project-1:tem',
      };
    default:
      throw new Error(`no base settings for ${provider}`);
  }
}

/** A value of the right kind for a setting, so that reading it is what the test sees. */
function sampleValue(setting: string): string {
  switch (setting) {
    case 'topicArns':
      return 'arn:aws:sns:us-east-1:123456789012:other';
    case 'accounts':
      return '123456789012';
    case 'allowAnyTopic':
    case 'allowRawDelivery':
    case 'autoConfirm':
      return 'true';
    case 'maxAgeSeconds':
      return '120';
    case 'header':
      return 'X-Hook-Token';
    case 'url':
      return `${HOST}/webhooks/mail/mandrill`;
    case 'trustAnchors':
      return anchorPem();
    case 'publicKey':
      return sendgridKeys().publicKey;
    default:
      return 'some-value';
  }
}

const unknownLine = (logger: ReturnType<typeof recordingLogger>, name: string) =>
  logger.lines.find(
    (l) => l.text.includes(name) && /unknown variable|no setting reads/.test(l.text),
  );

describe('every provider of the registry, from variables', () => {
  test('the registry holds exactly the providers DESIGN lists', () => {
    expect(BUILTIN_PROVIDERS.map((p) => p.name).sort()).toEqual(
      Object.keys(DESIGN_SETTINGS).sort(),
    );
  });

  test('each listed provider starts from its required variables alone', async () => {
    for (const name of Object.keys(DESIGN_SETTINGS)) {
      const logger = recordingLogger();
      const handler = createHandlerFromEnv(
        { ...ON, MAIL_WEBHOOK_PROVIDERS: name, ...baseEnv(name) },
        { logger },
      );
      // Mounted at its name: anything but the 404 of an unknown path.
      const res = await handler(post(`${HOST}/webhooks/mail/${name}`, '{}'));
      expect(res.status, name).not.toBe(404);
      expect(res.status, name).toBeLessThan(500);
      const elsewhere = await handler(post(`${HOST}/webhooks/mail/not-${name}`, '{}'));
      expect(elsewhere.status, name).toBe(404);
    }
  });

  test('every setting DESIGN lists is read from MAIL_WEBHOOK_<NAME>_<SETTING>', () => {
    const unread: string[] = [];
    for (const [name, settings] of Object.entries(DESIGN_SETTINGS)) {
      for (const setting of [...settings, 'path', 'verifySignature']) {
        const key = variable(name, setting);
        const logger = recordingLogger();
        const env: Record<string, string> = {
          ...ON,
          MAIL_WEBHOOK_PROVIDERS: name,
          ...baseEnv(name),
          [key]:
            setting === 'path'
              ? 'elsewhere'
              : setting === 'verifySignature'
                ? 'false'
                : sampleValue(setting),
        };
        // `header` and `value` go together: each is set with the other.
        if (setting === 'header') env[variable(name, 'value')] = 'v';
        if (setting === 'value') env[variable(name, 'header')] = 'X-Hook-Token';
        try {
          createHandlerFromEnv(env, { logger });
        } catch (error) {
          // A value it refuses is a value it read: the error names the variable.
          if (!(error instanceof ConfigError) || !error.message.includes(key)) {
            unread.push(`${key}: ${String(error)}`);
          }
          continue;
        }
        if (unknownLine(logger, key)) unread.push(`${key}: reported as unknown`);
      }
    }
    expect(unread).toEqual([]);
  });

  test('MAIL_WEBHOOK_<NAME>_PATH moves a kebab-named provider', async () => {
    const logger = recordingLogger();
    const handler = createHandlerFromEnv(
      {
        ...ON,
        MAIL_WEBHOOK_PROVIDERS: 'unisender-go,ses-eventbridge',
        ...baseEnv('unisender-go'),
        ...baseEnv('ses-eventbridge'),
        MAIL_WEBHOOK_UNISENDER_GO_PATH: 'usg',
        MAIL_WEBHOOK_SES_EVENTBRIDGE_PATH: 'eb',
      },
      { logger },
    );
    // Unisender Go answers its GET probe 200; EventBridge without credentials 401.
    expect((await handler(new Request(`${HOST}/webhooks/mail/usg`))).status).toBe(200);
    expect((await handler(new Request(`${HOST}/webhooks/mail/unisender-go`))).status).toBe(404);
    expect((await handler(post(`${HOST}/webhooks/mail/eb`, '{}'))).status).toBe(401);
    expect((await handler(post(`${HOST}/webhooks/mail/ses-eventbridge`, '{}'))).status).toBe(404);
  });
});

describe('a listed provider whose required secret is missing stops start-up naming the variable', () => {
  const REQUIRED: Record<string, string> = {
    mailgun: 'MAIL_WEBHOOK_MAILGUN_SIGNING_KEY',
    mailersend: 'MAIL_WEBHOOK_MAILERSEND_SECRET',
    mailtrap: 'MAIL_WEBHOOK_MAILTRAP_SECRET',
    mandrill: 'MAIL_WEBHOOK_MANDRILL_WEBHOOK_KEY',
    postal: 'MAIL_WEBHOOK_POSTAL_PUBLIC_KEY',
    mailpace: 'MAIL_WEBHOOK_MAILPACE_PUBLIC_KEY',
    loops: 'MAIL_WEBHOOK_LOOPS_SECRET',
    scaleway: 'MAIL_WEBHOOK_SCALEWAY_TRUST_ANCHORS',
  };
  for (const [name, key] of Object.entries(REQUIRED)) {
    test(`${name}: ${key}`, () => {
      const env: Record<string, string> = {
        ...ON,
        MAIL_WEBHOOK_PROVIDERS: `ses,${name}`,
        ...baseEnv('ses'),
        ...baseEnv(name),
      };
      delete env[key];
      expect(
        configErrorOf(() => createHandlerFromEnv(env, { logger: recordingLogger() })).message,
      ).toContain(key);
    });
  }

  test('mandrill without its URL: MAIL_WEBHOOK_MANDRILL_URL', () => {
    const env: Record<string, string> = {
      ...ON,
      MAIL_WEBHOOK_PROVIDERS: 'mandrill',
      ...baseEnv('mandrill'),
    };
    delete env.MAIL_WEBHOOK_MANDRILL_URL;
    expect(
      configErrorOf(() => createHandlerFromEnv(env, { logger: recordingLogger() })).message,
    ).toContain('MAIL_WEBHOOK_MANDRILL_URL');
  });

  for (const name of ['postmark', 'brevo', 'mailjet', 'sparkpost', 'ses-eventbridge']) {
    test(`${name}: one of its shared-secret variables`, () => {
      const message = configErrorOf(() =>
        createHandlerFromEnv(
          { ...ON, MAIL_WEBHOOK_PROVIDERS: name },
          { logger: recordingLogger() },
        ),
      ).message;
      expect(message).toContain(variable(name, 'password'));
    });
  }

  test('a provider that is not listed needs nothing', async () => {
    const handler = createHandlerFromEnv(
      { ...ON, MAIL_WEBHOOK_PROVIDERS: 'ses', ...baseEnv('ses') },
      { logger: recordingLogger() },
    );
    expect((await handler(post(`${HOST}/webhooks/mail/mailgun`, '{}'))).status).toBe(404);
  });

  test('header without value (and value without header) stops start-up naming the variable', () => {
    const noValue = configErrorOf(() =>
      createHandlerFromEnv(
        { ...ON, MAIL_WEBHOOK_PROVIDERS: 'brevo', MAIL_WEBHOOK_BREVO_HEADER: 'X-Hook-Token' },
        { logger: recordingLogger() },
      ),
    );
    expect(noValue.message).toContain('MAIL_WEBHOOK_BREVO_VALUE');
  });
});

// ------------------------------------------------------------ rotation ----

const SHARED_BODIES: Record<string, string> = {
  postmark: fixtureText('esps/postmark/anymail_delivered_event.json'),
  brevo: fixtureText('esps/brevo/anymail_delivered_event.json'),
  mailjet: fixtureText('esps/mailjet/anymail_sent_event.json'),
  sparkpost: fixtureText('esps/sparkpost/anymail_delivery_event.json'),
  'ses-eventbridge': fixtureText('esps/amazon_ses_eventbridge/constructed_Bounce.json'),
};

/** One signed request per (provider, secret setting), for a configured value. */
const ROTATION: {
  provider: string;
  setting: string;
  extra?: Record<string, string>;
  refusal: string;
  make: () => { configured: string; sign: (body?: string) => Request };
}[] = [];

for (const provider of Object.keys(SHARED_BODIES)) {
  const url = `${HOST}/webhooks/mail/${provider}`;
  const body = SHARED_BODIES[provider] as string;
  ROTATION.push(
    {
      provider,
      setting: 'password',
      refusal: 'secret-mismatch',
      make: () => {
        const pw = `pw-${Math.random()}`;
        return { configured: pw, sign: () => post(url, body, { authorization: basic('any', pw) }) };
      },
    },
    {
      provider,
      setting: 'token',
      refusal: 'secret-mismatch',
      make: () => {
        const t = `tok${Math.random().toString(36).slice(2)}`;
        return { configured: t, sign: () => post(url, body, { authorization: `Bearer ${t}` }) };
      },
    },
    {
      provider,
      setting: 'value',
      extra: { [variable(provider, 'header')]: 'X-Hook-Token' },
      refusal: 'secret-mismatch',
      make: () => {
        const v = `val-${Math.random()}`;
        return { configured: v, sign: () => post(url, body, { 'X-Hook-Token': v }) };
      },
    },
  );
}

ROTATION.push(
  {
    provider: 'loops',
    setting: 'secret',
    refusal: 'signature-invalid',
    make: () => {
      const secret = newWhsec();
      const body = JSON.stringify({
        eventName: 'email.delivered',
        eventTime: Math.floor(Date.now() / 1000),
        webhookSchemaVersion: '1.0.0',
        contactIdentity: { id: 'c1', email: 'loop@example.com' },
        email: { id: 'e1' },
      });
      return {
        configured: secret,
        sign: () =>
          standardRequest(`${HOST}/webhooks/mail/loops`, secret, body, { prefix: 'webhook' }),
      };
    },
  },
  {
    provider: 'mailgun',
    setting: 'signingKey',
    refusal: 'signature-invalid',
    make: () => {
      const key = `mg-${Math.random()}`;
      const body = mailgunBody(key, {
        event: 'delivered',
        id: `ev-${Math.random()}`,
        timestamp: Date.now() / 1000,
        recipient: 'a@example.com',
        message: { headers: { 'message-id': 'm@example.com' } },
      });
      return { configured: key, sign: () => post(`${HOST}/webhooks/mail/mailgun`, body) };
    },
  },
  {
    provider: 'mailersend',
    setting: 'secret',
    refusal: 'signature-invalid',
    make: () => {
      const secret = `ms-${Math.random()}`;
      const body = fixtureText('esps/mailersend/symfony_soft_bounced.json');
      const sig = createHmac('sha256', secret).update(body).digest('hex');
      return {
        configured: secret,
        sign: () => post(`${HOST}/webhooks/mail/mailersend`, body, { Signature: sig }),
      };
    },
  },
  {
    provider: 'mailtrap',
    setting: 'secret',
    refusal: 'signature-invalid',
    make: () => {
      const secret = `mt-${Math.random()}`;
      const body = fixtureText('esps/mailtrap/vectors/Delivery.body');
      const sig = createHmac('sha256', secret).update(body).digest('hex');
      return {
        configured: secret,
        sign: () => post(`${HOST}/webhooks/mail/mailtrap`, body, { 'Mailtrap-Signature': sig }),
      };
    },
  },
  {
    provider: 'mandrill',
    setting: 'webhookKey',
    extra: { MAIL_WEBHOOK_MANDRILL_URL: `${HOST}/webhooks/mail/mandrill` },
    refusal: 'signature-invalid',
    make: () => {
      const key = `mk-${Math.random()}`;
      const url = `${HOST}/webhooks/mail/mandrill`;
      const body = fixtureText('esps/mandrill/vectors/send_event.body');
      const params = [...new URLSearchParams(body)].sort(([a], [b]) => (a < b ? -1 : 1));
      const signed = url + params.map(([k, v]) => k + v).join('');
      const sig = createHmac('sha1', key).update(signed).digest('base64');
      return {
        configured: key,
        sign: () =>
          new Request(url, {
            method: 'POST',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'X-Mandrill-Signature': sig,
            },
            body,
          }),
      };
    },
  },
  {
    provider: 'postal',
    setting: 'publicKey',
    refusal: 'signature-invalid',
    make: () => {
      const keys = rsa();
      const body = fixtureText('esps/postal/docs_MessageLoaded.json');
      const sig = sign('sha256', Buffer.from(body), keys.privateKey).toString('base64');
      return {
        configured: keys.publicKey,
        sign: () => post(`${HOST}/webhooks/mail/postal`, body, { 'X-Postal-Signature-256': sig }),
      };
    },
  },
  {
    provider: 'mailpace',
    setting: 'publicKey',
    refusal: 'signature-invalid',
    make: () => {
      const keys = ed25519();
      const body = fixtureText('esps/mailpace/vectors/queued_event.body');
      const sig = sign(null, Buffer.from(body), keys.privateKey).toString('base64');
      return {
        configured: keys.publicKey,
        sign: () => post(`${HOST}/webhooks/mail/mailpace`, body, { 'X-MailPace-Signature': sig }),
      };
    },
  },
  {
    provider: 'unisender-go',
    setting: 'apiKey',
    refusal: 'signature-invalid',
    make: () => {
      const key = `uk${Math.random().toString(36).slice(2)}`;
      const original = fixtureText('esps/unisender_go/vectors/sent_event.body');
      const auth = /"auth":"([0-9a-f]+)"/.exec(original)?.[1] as string;
      // DESIGN: MD5 of the body with the `auth` value replaced by the key.
      const digest = createHash('md5').update(original.replace(auth, key)).digest('hex');
      const body = original.replace(auth, digest);
      return { configured: key, sign: () => post(`${HOST}/webhooks/mail/unisender-go`, body) };
    },
  },
);

describe('_PREVIOUS rotation for every secret or key', () => {
  test('the table covers every secret setting DESIGN lists (sendgrid, resend and ses have their own tests)', () => {
    const covered = new Set(ROTATION.map((r) => `${r.provider}.${r.setting}`));
    const secretish = /secret|key|password|token|^value$|apiKey/i;
    const expected = Object.entries(DESIGN_SETTINGS).flatMap(([name, settings]) =>
      settings
        .filter((s) => secretish.test(s) && s !== 'maxAgeSeconds')
        .map((s) => `${name}.${s}`)
        .filter((k) => !['sendgrid.publicKey', 'resend.secret', 'ses.secret'].includes(k)),
    );
    expect(expected.filter((k) => !covered.has(k))).toEqual([]);
  });

  for (const r of ROTATION) {
    const key = variable(r.provider, r.setting);
    test(`${key}_PREVIOUS: previous and current verify, neither refused`, async () => {
      const current = r.make();
      const previous = r.make();
      const stranger = r.make();
      const handler = createHandlerFromEnv(
        {
          ...ON,
          MAIL_WEBHOOK_PROVIDERS: r.provider,
          ...r.extra,
          [key]: current.configured,
          [`${key}_PREVIOUS`]: previous.configured,
        },
        { logger: recordingLogger() },
      );
      const a = await handler(current.sign());
      expect(a.status, `${key} current: ${await a.clone().text()}`).toBe(200);
      const b = await handler(previous.sign());
      expect(b.status, `${key} previous: ${await b.clone().text()}`).toBe(200);
      const c = await handler(stranger.sign());
      expect({ status: c.status, error: (await json(c)).error }).toEqual({
        status: 403,
        error: r.refusal,
      });
    });
  }

  test('MAIL_WEBHOOK_SES_SECRET_PREVIOUS: either Basic password admits a topic, neither is 403', async () => {
    const cert = makeSnsCert();
    const handler = createHandlerFromEnv(
      {
        ...ON,
        MAIL_WEBHOOK_SES_SECRET: 'new-pass',
        MAIL_WEBHOOK_SES_SECRET_PREVIOUS: 'old-pass',
      },
      { logger: recordingLogger(), fetch: certFetch({ [CERT_URL]: cert.certPem }) },
    );
    const message = fixtureJson('ses/event-publishing-delivery.json');
    const send = (pw: string) =>
      handler(snsRequest(snsEnvelope(cert, message), { auth: basic('sns', pw) }));
    expect((await send('new-pass')).status).toBe(200);
    expect((await send('old-pass')).status).toBe(200);
    const wrong = await send('other-pass');
    expect(wrong.status).toBe(403);
  });
});

describe('list settings and whole secrets', () => {
  const EB = `${HOST}/webhooks/mail/ses-eventbridge`;
  const event = fixtureJson('esps/amazon_ses_eventbridge/constructed_Bounce.json');

  test('MAIL_WEBHOOK_SES_EVENTBRIDGE_ACCOUNTS is a comma list', async () => {
    const handler = createHandlerFromEnv(
      {
        ...ON,
        MAIL_WEBHOOK_PROVIDERS: 'ses-eventbridge',
        MAIL_WEBHOOK_SES_EVENTBRIDGE_TOKEN: 'eb',
        MAIL_WEBHOOK_SES_EVENTBRIDGE_ACCOUNTS: `111111111111, ${event.account}`,
      },
      { logger: recordingLogger() },
    );
    const auth = { authorization: 'Bearer eb' };
    expect((await handler(post(EB, JSON.stringify(event), auth))).status).toBe(200);
    const other = await handler(
      post(EB, JSON.stringify({ ...event, account: '111111111111' }), auth),
    );
    expect(other.status).toBe(200);
    const refused = await handler(
      post(EB, JSON.stringify({ ...event, account: '999999999999' }), auth),
    );
    expect({ status: refused.status, error: (await json(refused)).error }).toEqual({
      status: 403,
      error: 'account-not-allowed',
    });
  });

  test('a signing key with commas and spaces is one key', async () => {
    const key = 'k1, k2,k3 k4';
    const handler = createHandlerFromEnv(
      { ...ON, MAIL_WEBHOOK_PROVIDERS: 'mailgun', MAIL_WEBHOOK_MAILGUN_SIGNING_KEY: key },
      { logger: recordingLogger() },
    );
    const data = {
      event: 'delivered',
      id: 'ev-commas',
      timestamp: Date.now() / 1000,
      recipient: 'a@example.com',
      message: { headers: { 'message-id': 'm@example.com' } },
    };
    const url = `${HOST}/webhooks/mail/mailgun`;
    expect((await handler(post(url, mailgunBody(key, data)))).status).toBe(200);
    for (const part of ['k1', 'k2', 'k3 k4', ' k2']) {
      expect((await handler(post(url, mailgunBody(part, data)))).status, part).toBe(403);
    }
  });

  test('a header value with commas and spaces is one value', async () => {
    const handler = createHandlerFromEnv(
      {
        ...ON,
        MAIL_WEBHOOK_PROVIDERS: 'sparkpost',
        MAIL_WEBHOOK_SPARKPOST_HEADER: 'X-Hook-Token',
        MAIL_WEBHOOK_SPARKPOST_VALUE: 'a b,c',
      },
      { logger: recordingLogger() },
    );
    const url = `${HOST}/webhooks/mail/sparkpost`;
    const body = SHARED_BODIES.sparkpost as string;
    expect((await handler(post(url, body, { 'X-Hook-Token': 'a b,c' }))).status).toBe(200);
    expect((await handler(post(url, body, { 'X-Hook-Token': 'a b' }))).status).toBe(403);
    expect((await handler(post(url, body, { 'X-Hook-Token': 'c' }))).status).toBe(403);
  });
});

describe('unknown variables are reported with the closest known name', () => {
  const cases: [string, Record<string, string>, string, string][] = [
    [
      'unisender-go',
      baseEnv('unisender-go'),
      'MAIL_WEBHOOK_UNISENDER_GO_APIKEY',
      'MAIL_WEBHOOK_UNISENDER_GO_API_KEY',
    ],
    [
      'ses-eventbridge',
      { MAIL_WEBHOOK_SES_EVENTBRIDGE_TOKEN: 't' },
      'MAIL_WEBHOOK_SES_EVENTBRIDGE_TOKN',
      'MAIL_WEBHOOK_SES_EVENTBRIDGE_TOKEN',
    ],
    [
      'resend',
      baseEnv('resend'),
      'MAIL_WEBHOOK_RESEND_SECRET_PREVIOS',
      'MAIL_WEBHOOK_RESEND_SECRET_PREVIOUS',
    ],
    ['mandrill', baseEnv('mandrill'), 'MAIL_WEBHOOK_MANDRIL_URL', 'MAIL_WEBHOOK_MANDRILL_URL'],
    ['resend', baseEnv('resend'), 'MAIL_WEBHOOK_ENABLE', 'MAIL_WEBHOOK_ENABLED'],
    ['resend', baseEnv('resend'), 'MAIL_WEBHOOK_PROVIDER', 'MAIL_WEBHOOK_PROVIDERS'],
  ];
  for (const [provider, base, typo, meant] of cases) {
    test(`${typo} → ${meant}`, () => {
      const logger = recordingLogger();
      createHandlerFromEnv(
        { ...ON, MAIL_WEBHOOK_PROVIDERS: provider, ...base, [typo]: 'x-value' },
        { logger },
      );
      const line = unknownLine(logger, typo);
      expect(line?.level, logger.all()).toBe('warn');
      expect(line?.text).toContain(meant);
    });
  }

  test('a known variable is not reported', () => {
    const logger = recordingLogger();
    createHandlerFromEnv(
      {
        ...ON,
        MAIL_WEBHOOK_PROVIDERS: 'unisender-go',
        ...baseEnv('unisender-go'),
        MAIL_WEBHOOK_UNISENDER_GO_API_KEY_PREVIOUS: 'older',
        MAIL_WEBHOOK_BASE_PATH: '/hooks',
        MAIL_WEBHOOK_MAX_BODY_BYTES: '2048',
      },
      { logger },
    );
    expect(logger.lines.filter((l) => /unknown variable|no setting reads/.test(l.text))).toEqual(
      [],
    );
  });
});

describe('MAIL_WEBHOOK_ENABLED', () => {
  test('"false" and unset both answer 404 everywhere; "true" serves', async () => {
    const base = { MAIL_WEBHOOK_PROVIDERS: 'mailgun', ...baseEnv('mailgun') };
    const data = {
      event: 'delivered',
      id: 'ev-enabled',
      timestamp: Date.now() / 1000,
      recipient: 'a@example.com',
      message: { headers: { 'message-id': 'm@example.com' } },
    };
    const url = `${HOST}/webhooks/mail/mailgun`;
    for (const [enabled, status] of [
      [undefined, 404],
      ['false', 404],
      ['true', 200],
    ] as const) {
      const handler = createHandlerFromEnv(
        { ...base, ...(enabled === undefined ? {} : { MAIL_WEBHOOK_ENABLED: enabled }) },
        { logger: recordingLogger() },
      );
      const res = await handler(post(url, mailgunBody('mg-key', data)));
      expect(res.status, String(enabled)).toBe(status);
    }
  });
});

describe('bad values stop start-up naming the variable that holds them', () => {
  test('every boolean and number setting of every provider', () => {
    const silent: string[] = [];
    for (const [name, settings] of Object.entries(DESIGN_SETTINGS)) {
      for (const setting of [...settings, 'verifySignature']) {
        const bad = /^(allow|auto|verify)/.test(setting)
          ? 'yes please'
          : setting === 'maxAgeSeconds'
            ? 'ten'
            : undefined;
        if (bad === undefined) continue;
        const key = variable(name, setting);
        try {
          createHandlerFromEnv(
            { ...ON, MAIL_WEBHOOK_PROVIDERS: name, ...baseEnv(name), [key]: bad },
            { logger: recordingLogger() },
          );
          silent.push(`${key}: accepted`);
        } catch (error) {
          if (!(error instanceof ConfigError) || !error.message.includes(key)) {
            silent.push(`${key}: ${String(error)}`);
          }
        }
      }
    }
    expect(silent).toEqual([]);
  });

  test('a malformed key in _PREVIOUS names the _PREVIOUS variable', () => {
    for (const name of ['sendgrid', 'postal', 'mailpace']) {
      const key = `${variable(name, 'publicKey')}_PREVIOUS`;
      const error = configErrorOf(() =>
        createHandlerFromEnv(
          { ...ON, MAIL_WEBHOOK_PROVIDERS: name, ...baseEnv(name), [key]: 'not-a-key' },
          { logger: recordingLogger() },
        ),
      );
      expect(error.message, name).toContain(key);
    }
  });

  test('a list set to nothing but commas and spaces is not read as unset', () => {
    const error = configErrorOf(() =>
      createHandlerFromEnv(
        {
          ...ON,
          MAIL_WEBHOOK_PROVIDERS: 'ses-eventbridge',
          MAIL_WEBHOOK_SES_EVENTBRIDGE_TOKEN: 't',
          MAIL_WEBHOOK_SES_EVENTBRIDGE_ACCOUNTS: ' , ,',
        },
        { logger: recordingLogger() },
      ),
    );
    expect(error.message).toContain('MAIL_WEBHOOK_SES_EVENTBRIDGE_ACCOUNTS');
  });

  test('_PREVIOUS on a setting that is no secret is reported as unknown', () => {
    const logger = recordingLogger();
    createHandlerFromEnv(
      {
        ...ON,
        MAIL_WEBHOOK_PROVIDERS: 'resend',
        ...baseEnv('resend'),
        MAIL_WEBHOOK_RESEND_MAX_AGE_SECONDS_PREVIOUS: '60',
      },
      { logger },
    );
    expect(unknownLine(logger, 'MAIL_WEBHOOK_RESEND_MAX_AGE_SECONDS_PREVIOUS')?.level).toBe('warn');
  });
});
