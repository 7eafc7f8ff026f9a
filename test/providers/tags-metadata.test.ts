/**
 * Tags and metadata, one table for every provider, through `createMailWebhookHandler` (checks
 * off): values of any JSON type become strings (null as "", the rest as JSON text), keys such as
 * `__proto__` stay plain keys, tags are non-empty strings (numbers as their text) each once, and a
 * tags or metadata field of the wrong type is passed over: the event is still delivered (200).
 */
import { describe, expect, test } from 'vitest';
import * as m from '../../src/index.js';
import { captureHandler } from '../helpers/capture-handler.js';

const off = { verifySignature: false } as const;
const NOW = new Date('2030-01-02T03:04:05.000Z');

/** JSON text (not an object literal): `__proto__` an own key, `dup` written twice. */
const META =
  '{"n":1,"b":true,"z":null,"o":{"a":1},"arr":[1,"x"],"__proto__":"p","constructor":"c","toString":"t","":"empty","dup":"1","dup":"2"}';
const META_OUT = JSON.parse(
  '{"n":"1","b":"true","z":"","o":"{\\"a\\":1}","arr":"[1,\\"x\\"]","__proto__":"p","constructor":"c","toString":"t","":"empty","dup":"2"}',
) as Record<string, string>;
/** Numbers, an empty string, a duplicate, a boolean, null, an object, and prefixed names. */
// 1e999 parses as Infinity: a number, but no tag.
const TAGS = '[1,"","a","a",true,null,{"x":1},1e999,"metadata:k","ses:x"]';
const TAGS_OUT = ['1', 'a', 'metadata:k', 'ses:x'];

type Body = (tags: string, metadata: string) => string;

/** Each provider's event with `tags` and `metadata` JSON text put where that ESP carries them. */
const PROVIDERS: [string, () => m.Provider, Body][] = [
  [
    'sendgrid',
    () => m.sendgrid(off),
    (t, md) =>
      `[{"event":"delivered","email":"r@example.com","timestamp":1461095250,"sg_message_id":"m.1","category":${t},${md.slice(1, -1) || '"x_":"y"'}}]`,
  ],
  [
    'mailgun',
    () => m.mailgun(off),
    (t, md) =>
      `{"event-data":{"event":"delivered","timestamp":1534108637.1,"id":"i","recipient":"r@example.com","message":{"headers":{"message-id":"m"}},"tags":${t},"user-variables":${md}}}`,
  ],
  [
    'brevo',
    () => m.brevo(off),
    (t, md) =>
      `{"event":"delivered","email":"r@example.com","ts_epoch":1520363423000,"message-id":"<m>","tags":${t},"X-Mailin-custom":${JSON.stringify(md)}}`,
  ],
  [
    'mailersend',
    () => m.mailersend(off),
    (t) =>
      `{"type":"activity.delivered","data":{"object":"activity","id":"i","type":"delivered","created_at":"2023-02-27T21:09:51Z","email":{"status":"delivered","message":{"id":"m"},"recipient":{"email":"r@example.com"},"tags":${t}}}}`,
  ],
  [
    'mandrill',
    () => m.mandrill(off),
    (t, md) =>
      `mandrill_events=${encodeURIComponent(`[{"event":"send","msg":{"ts":1461095211,"email":"r@example.com","tags":${t},"metadata":${md},"_id":"x"},"_id":"x","ts":1461095246}]`)}`,
  ],
  [
    'mailpace',
    () => m.mailpace(off),
    (t) =>
      `{"event":"email.delivered","payload":{"status":"delivered","id":1,"created_at":"2021-11-16T14:50:15Z","to":"r@example.com","message_id":"m","tags":${t}}}`,
  ],
  [
    'postmark',
    () => m.postmark(off),
    (t, md) =>
      `{"RecordType":"Delivery","MessageID":"m","Recipient":"r@example.com","Tag":${t},"Metadata":${md},"DeliveredAt":"2014-08-01T13:28:10Z"}`,
  ],
  [
    'mailjet',
    () => m.mailjet(off),
    (t, md) =>
      `[{"event":"sent","time":1498093527,"MessageID":1,"email":"r@example.com","mj_message_id":"1","customcampaign":${t},"Payload":${JSON.stringify(md)}}]`,
  ],
  [
    'sparkpost',
    () => m.sparkpost(off),
    (t, md) =>
      `[{"msys":{"message_event":{"type":"delivery","event_id":"1","rcpt_to":"r@example.com","timestamp":"1454442600","transmission_id":"t","campaign_id":${t},"rcpt_meta":${md}}}}]`,
  ],
  [
    'mailtrap',
    () => m.mailtrap(off),
    (t, md) =>
      `{"events":[{"event":"delivery","timestamp":1498093527,"category":${t},"custom_variables":${md},"message_id":"m","email":"r@example.com","event_id":"e"}]}`,
  ],
  [
    'postal',
    () => m.postal(off),
    (t) =>
      `{"event":"MessageSent","timestamp":1606753101.35,"payload":{"message":{"id":1,"token":"t","direction":"outgoing","message_id":"m","to":"r@example.com","from":"f@example.com","tag":${t}},"status":"Sent","timestamp":1606752106.9},"uuid":"u"}`,
  ],
  [
    'unisender-go',
    () => m.unisenderGo(off),
    (_t, md) =>
      `{"auth":"x","events_by_user":[{"user_id":1,"project_id":"p","events":[{"event_name":"transactional_email_status","event_data":{"job_id":"j","email":"r@example.com","status":"delivered","event_time":"2024-09-06 23:14:24","metadata":${md}}}]}]}`,
  ],
];

const provider = (name: string) => {
  const row = PROVIDERS.find(([n]) => n === name);
  if (!row) throw new Error(name);
  return row;
};

/** POSTs `body` to the provider; the status, the contexts delivered and the warnings logged. */
async function post(p: m.Provider, body: string) {
  const { handle, events, lines } = captureHandler(p, { now: () => NOW });
  const type = body.startsWith('mandrill_events=')
    ? 'application/x-www-form-urlencoded'
    : 'application/json';
  const response = await handle(
    new Request(`https://hooks.example/webhooks/mail/${p.path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': type },
    }),
  );
  return { status: response.status, text: await response.text(), events, lines };
}

/** Every context: string[] tags, string-valued own-key metadata, the same after the wire. */
function expectWellTyped(context: m.EmailTrackingContext) {
  expect(context.tags.every((t) => typeof t === 'string')).toBe(true);
  expect(Object.getPrototypeOf(context.metadata)).toBe(Object.prototype);
  for (const key of Object.keys(context.metadata))
    expect(typeof context.metadata[key]).toBe('string');
  const back = m.decodeTrackingEvent(m.encodeTrackingEvent(context));
  expect(back.tags).toEqual(context.tags);
  // Key order may change (JSON objects have none); every key and value comes back, as own keys.
  expect(Object.entries(back.metadata).sort()).toEqual(Object.entries(context.metadata).sort());
  expect(Object.getPrototypeOf(back.metadata)).toBe(Object.prototype);
}

async function one(name: string, tags: string, metadata: string) {
  const [, make, body] = provider(name);
  const result = await post(make(), body(tags, metadata));
  expect(result.status, result.text).toBe(200);
  expect(result.events).toHaveLength(1);
  const [context] = result.events;
  if (!context) throw new Error('no context');
  expectWellTyped(context);
  return context;
}

describe('metadata values of every JSON type become strings; odd keys stay plain keys', () => {
  test.each([
    'sendgrid',
    'mailgun',
    'brevo',
    'mandrill',
    'postmark',
    'mailjet',
    'sparkpost',
    'mailtrap',
    'unisender-go',
  ])('%s', async (name) => {
    const { metadata } = await one(name, name === 'sendgrid' ? '[]' : 'null', META);
    expect(Object.entries(metadata)).toEqual(expect.arrayContaining(Object.entries(META_OUT)));
    expect(Object.hasOwn(metadata, '__proto__')).toBe(true);
    expect(metadata).not.toHaveProperty('x');
  });
});

describe('tag lists: non-empty strings and finite numbers as text, each once, in order', () => {
  test.each(['sendgrid', 'mailgun', 'brevo', 'mailersend', 'mandrill', 'mailpace'])(
    '%s',
    async (name) => {
      expect((await one(name, TAGS, '{}')).tags).toEqual(TAGS_OUT);
    },
  );
});

describe('a single tag field: a finite number as its text, an empty string or an object as no tag', () => {
  test.each(['postmark', 'mailjet', 'sparkpost', 'mailtrap', 'postal'])('%s', async (name) => {
    expect((await one(name, '5', '{}')).tags).toEqual(['5']);
    expect((await one(name, '1e999', '{}')).tags).toEqual([]);
    expect((await one(name, '""', '{}')).tags).toEqual([]);
    expect((await one(name, '{"a":"b"}', '{}')).tags).toEqual([]);
    expect((await one(name, '"welcome"', '{}')).tags).toEqual(['welcome']);
  });
});

describe('a tags or metadata field of the wrong type is passed over: the event is delivered', () => {
  // SendGrid's custom args are top-level keys; Brevo's and Mailjet's metadata is text (below).
  const objectMetadata = PROVIDERS.map(([n]) => n).filter(
    (n) => !['sendgrid', 'brevo', 'mailjet'].includes(n),
  );
  test.each(PROVIDERS.map(([n]) => n))('%s: tags an object', async (name) => {
    expect((await one(name, '{"a":"b"}', '{}')).tags).toEqual([]);
  });
  test.each(objectMetadata)('%s: metadata a list, a number, a string', async (name) => {
    for (const metadata of ['[1]', '5', '"plan=pro"']) {
      expect((await one(name, '[]', metadata)).metadata).toEqual({});
    }
  });
  test.each(['brevo', 'mailjet'])(
    '%s: metadata text that is not a JSON object is kept whole under its field name',
    async (name) => {
      const field = name === 'brevo' ? 'X-Mailin-custom' : 'Payload';
      expect((await one(name, '[]', '[1]')).metadata).toEqual({ [field]: '[1]' });
    },
  );
});

test('very many tags: 20,000 with each repeated once give the 10,000, in order', async () => {
  const many = Array.from({ length: 10_000 }, (_, i) => `t${i}`);
  const { tags } = await one('mailgun', JSON.stringify([...many, ...many]), '{}');
  expect(tags).toEqual(many);
});

describe('Resend name/value tags follow the SES rules', () => {
  const body = (tags: string) =>
    `{"type":"email.delivered","created_at":"2023-09-28T17:19:44.823Z","data":{"email_id":"e","to":["a@b.example"],"tags":${tags}}}`;
  const resend = async (tags: string) => {
    const result = await post(m.resend(off), body(tags));
    expect(result.status, result.text).toBe(200);
    const [context] = result.events;
    if (!context) throw new Error('no context');
    expectWellTyped(context);
    return context;
  };

  test('an object: values of any type, `true` and empty as the name alone, __proto__ kept', async () => {
    const context = await resend(
      '{"n":1,"b":true,"t":"true","f":"false","z":null,"e":"","__proto__":"pt","metadata:k":"v","metadata:o":{"a":1},"metadata:__proto__":"p","metadata:":"x","":"y","dup":"1","dup":"2"}',
    );
    expect(context.tags).toEqual(['n:1', 'b', 't', 'f:false', 'z', 'e', '__proto__:pt', 'dup:2']);
    expect(Object.entries(context.metadata)).toEqual([
      ['k', 'v'],
      ['o', '{"a":1}'],
      ['__proto__', 'p'],
    ]);
  });

  test('a list: entries that are not { name } objects are passed over, a later metadata key wins', async () => {
    const context = await resend(
      '[1,"x",null,{"value":"v"},{"name":"n","value":1},{"name":"x"},{"name":"metadata:k","value":"v"},{"name":"metadata:k","value":"v2"}]',
    );
    expect(context.tags).toEqual(['n:1', 'x']);
    expect(context.metadata).toEqual({ k: 'v2' });
  });

  test.each(['"str"', '5', 'true'])('tags %s: no tags, the event delivered', async (tags) => {
    expect((await resend(tags)).tags).toEqual([]);
  });
});

test('SES: an X-Metadata null is "" as everywhere else, nested values JSON text', async () => {
  const xMetadata = JSON.stringify('{"z":null,"n":1,"o":{"a":1},"__proto__":"hp"}');
  const body = `{"version":"0","id":"e1","detail-type":"Email Delivered","source":"aws.ses","account":"1","time":"2016-10-19T23:20:52.240Z","region":"us-east-1","resources":[],"detail":{"eventType":"Delivery","mail":{"timestamp":"2016-10-19T23:20:52.240Z","source":"s@example.com","messageId":"mid","destination":["r@example.com"],"headers":[{"name":"X-Metadata","value":${xMetadata}}],"tags":{"ses:configuration-set":["c"],"n":["1"],"t":["true"],"metadata:":["x"]}},"delivery":{"timestamp":"2016-10-19T23:21:04.133Z","recipients":["r@example.com"]}}}`;
  const result = await post(m.sesEventBridge(off), body);
  expect(result.status, result.text).toBe(200);
  const [context] = result.events;
  if (!context) throw new Error('no context');
  expectWellTyped(context);
  expect(context.tags).toEqual(['n:1', 't']);
  expect(Object.entries(context.metadata)).toEqual([
    ['z', ''],
    ['n', '1'],
    ['o', '{"a":1}'],
    ['__proto__', 'hp'],
  ]);
});
