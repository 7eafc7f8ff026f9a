/**
 * DESIGN's "Request life and answers", one row a situation, with the answer every runtime must
 * give: written once, sent to each (the core handler, mailhooks/node, the Node, Deno and Bun
 * servers, the Worker) and compared field by field: status, JSON body, headers, log line.
 */
import bounce from '../../examples/sns-bounce.json' with { type: 'json' };

export const PARITY_ROUTE = '/webhooks/mail/ses';
const MAX_BODY_BYTES = 16_384;
const BODY_TIMEOUT_MS = 1000;
/** Where failed events go: nothing listens there (workerd's fetch is stubbed to fail it). */
export const PARITY_FANOUT_URL = 'http://127.0.0.1:9/refused';
const ROUTES =
  'basePath is /webhooks/mail; provider routes: /webhooks/mail/ses, /webhooks/mail/postmark, /webhooks/mail/brevo, /webhooks/mail/mandrill';

/** The settings every target runs with: SES unsigned, a shared secret of each kind, a failing sink. */
export const PARITY_ENV = {
  MAIL_WEBHOOK_ENABLED: 'true',
  MAIL_WEBHOOK_PROVIDERS: 'ses,postmark,brevo,mandrill',
  MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
  MAIL_WEBHOOK_POSTMARK_PASSWORD: 'parity-password',
  MAIL_WEBHOOK_BREVO_TOKEN: 'parity-token',
  MAIL_WEBHOOK_MANDRILL_WEBHOOK_KEY: 'parity-mandrill-key',
  MAIL_WEBHOOK_MANDRILL_URL: 'https://hooks.example.com/webhooks/mail/mandrill',
  MAIL_WEBHOOK_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
  MAIL_WEBHOOK_BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS),
  // Failed events also go to an endpoint nothing listens on: that sink fails (503).
  MAIL_WEBHOOK_SINKS: 'memory,fanout',
  MAIL_WEBHOOK_FANOUT_ENDPOINTS: JSON.stringify([
    { url: PARITY_FANOUT_URL, secret: 'env:PARITY_FANOUT_SECRET', events: ['failed'] },
  ]),
  MAIL_WEBHOOK_FANOUT_RETRIES: '0',
  PARITY_FANOUT_SECRET: `whsec_${btoa('parity-fanout-secret-24b')}`,
} as const;

/** One request: a string body, `chunked` bytes sent without a length, or 40 bytes of `stalled`. */
export interface ParityRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly chunked?: number;
  readonly stalled?: string;
}

export interface ParityRow {
  readonly situation: string;
  readonly request: ParityRequest;
  readonly status: number;
  /** The JSON body; HEAD answers have none over HTTP. */
  readonly body: Readonly<Record<string, unknown>>;
  /** Headers a client reads beside content-type; null: absent. */
  readonly headers?: Readonly<Record<string, string | null>>;
  /** Fields of the line logged for it. */
  readonly log: Readonly<Record<string, unknown>>;
}

const SNS = { 'x-amz-sns-message-id': bounce.MessageId };
const _sns = (type: string, fields: Record<string, unknown>) => ({
  method: 'POST',
  path: PARITY_ROUTE,
  headers: { ...SNS, 'x-amz-sns-message-type': type },
  body: JSON.stringify({ ...bounce, Type: type, ...fields }),
});
const _notification = (message: unknown) =>
  _sns('Notification', {
    Message: typeof message === 'string' ? message : JSON.stringify(message),
  });
const SUBSCRIBE_URL = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${bounce.TopicArn}&Token=t`;
const _failure = {
  ...JSON.parse(bounce.Message),
  notificationType: undefined,
  bounce: undefined,
  eventType: 'Rendering Failure',
  failure: { errorMessage: 'no template', templateName: 't' },
};

const _refused = (status: number, error: string, message: string) => ({
  status,
  body: { ok: false, error, message },
});
const _refusal = (status: number, reason: string, fields: Record<string, unknown> = {}) => ({
  level: status >= 500 ? 'error' : 'warn',
  msg: 'request refused',
  status,
  reason,
  ...fields,
});
const _notFound = (path: string, method = 'POST') => ({
  ..._refused(404, 'not-found', `no route for ${path}; ${ROUTES}`),
  log: _refusal(404, 'not-found', { path, method }),
});
const _notAllowed = (method: string, body?: string) => ({
  situation: `${method} on a POST route: 405 with Allow`,
  request: { method, path: PARITY_ROUTE, ...(body === undefined ? {} : { body }) },
  ..._refused(405, 'method-not-allowed', `${method} is not allowed; use POST`),
  headers: { allow: 'POST' },
  log: _refusal(405, 'method-not-allowed', { esp: 'ses', path: PARITY_ROUTE, method }),
});
const _challenged = (esp: string, challenge: string, kind: string) => ({
  situation: `${esp} without credentials: 401 with WWW-Authenticate`,
  request: { method: 'POST', path: `/webhooks/mail/${esp}`, body: '[]' },
  ..._refused(401, 'credentials-required', `this endpoint needs credentials (${kind})`),
  headers: { 'www-authenticate': challenge },
  log: _refusal(401, 'credentials-required', { esp, path: `/webhooks/mail/${esp}` }),
});
const SES = { esp: 'ses', path: PARITY_ROUTE };
const TOO_LARGE = {
  ..._refused(413, 'body-too-large', 'request body is larger than maxBodyBytes allows'),
  log: _refusal(413, 'body-too-large', { ...SES, maxBodyBytes: MAX_BODY_BYTES }),
};

export const PARITY_ROWS: readonly ParityRow[] = [
  {
    situation: 'events delivered: 200 with the count',
    request: _notification(JSON.parse(bounce.Message)),
    status: 200,
    body: { ok: true, events: 2 },
    log: { level: 'info', msg: 'event', ...SES, recipient: 'richard@example.com' },
  },
  {
    situation: 'SubscriptionConfirmation: 200, the SubscribeURL logged',
    request: _sns('SubscriptionConfirmation', { SubscribeURL: SUBSCRIBE_URL, Token: 't' }),
    status: 200,
    body: { ok: true, events: 0 },
    log: { level: 'info', esp: 'ses', subscribeUrl: SUBSCRIBE_URL },
  },
  {
    situation: 'UnsubscribeConfirmation: 200, logged',
    request: _sns('UnsubscribeConfirmation', { SubscribeURL: SUBSCRIBE_URL, Token: 't' }),
    status: 200,
    body: { ok: true, events: 0 },
    log: { level: 'info', esp: 'ses', type: 'UnsubscribeConfirmation' },
  },
  {
    situation: 'SES set-up message: 200, logged',
    request: _notification('Successfully validated SNS topic for Amazon SES event publishing.'),
    status: 200,
    body: { ok: true, events: 0 },
    log: { level: 'info', msg: 'SES set-up message received', esp: 'ses' },
  },
  {
    situation: 'a Notification that is no SES event: 200, a warning',
    request: _notification({ hello: 'world' }),
    status: 200,
    body: { ok: true, events: 0 },
    log: { level: 'warn', esp: 'ses', note: 'Message has neither eventType nor notificationType' },
  },
  {
    situation: 'an SES event breaking its schema: 400 naming the field',
    request: _notification({ notificationType: 'Bounce' }),
    ..._refused(400, 'invalid-ses-event', 'SES event field "mail" is missing'),
    log: _refusal(400, 'invalid-ses-event', SES),
  },
  {
    situation: 'not JSON: 400',
    request: { method: 'POST', path: PARITY_ROUTE, body: 'not json' },
    ..._refused(400, 'invalid-json', 'request body is not JSON'),
    log: _refusal(400, 'invalid-json', SES),
  },
  {
    situation: 'not an SNS envelope: 400 naming the field',
    request: { method: 'POST', path: PARITY_ROUTE, body: '{"a":1}' },
    ..._refused(400, 'invalid-envelope', 'SNS envelope field "Type" is missing'),
    log: _refusal(400, 'invalid-envelope', SES),
  },
  {
    situation: 'an unknown Type: 400 naming it',
    request: _sns('Weird', {}),
    ..._refused(
      400,
      'unknown-type',
      'SNS envelope field "Type" is "Weird"; expected one of Notification, SubscriptionConfirmation, UnsubscribeConfirmation',
    ),
    log: _refusal(400, 'unknown-type', SES),
  },
  {
    situation: 'an unknown provider: 404 naming the routes',
    request: { method: 'POST', path: '/webhooks/mail/nope', body: '{}' },
    ..._notFound('/webhooks/mail/nope'),
  },
  {
    situation: 'a path off the routes: 404',
    request: { method: 'GET', path: '/nowhere' },
    ..._notFound('/nowhere', 'GET'),
  },
  {
    situation: 'an empty segment (//) before the provider: 404',
    request: { method: 'POST', path: '/webhooks/mail//ses', body: '{}' },
    ..._notFound('/webhooks/mail//ses'),
  },
  {
    situation: 'POST /healthz: 404, the probe is GET and HEAD',
    request: { method: 'POST', path: '/healthz', body: '{}' },
    ..._notFound('/healthz'),
  },
  _notAllowed('GET'),
  _notAllowed('OPTIONS'),
  _notAllowed('PUT', '{}'),
  _notAllowed('HEAD'),
  {
    situation: 'a declared length over maxBodyBytes: 413',
    request: { method: 'POST', path: PARITY_ROUTE, body: 'a'.repeat(MAX_BODY_BYTES + 1) },
    ...TOO_LARGE,
  },
  {
    situation: 'a body stalled past bodyTimeoutMs: 408, connection closed',
    request: { method: 'POST', path: PARITY_ROUTE, stalled: JSON.stringify(bounce) },
    ..._refused(408, 'body-timeout', 'request body did not arrive within bodyTimeoutMs'),
    headers: { connection: 'close' },
    log: _refusal(408, 'body-timeout', { ...SES, bodyTimeoutMs: BODY_TIMEOUT_MS }),
  },
  _challenged('postmark', 'Basic realm="mailhooks", charset="UTF-8"', 'HTTP Basic'),
  _challenged('brevo', 'Bearer realm="mailhooks"', 'bearer token'),
  {
    situation: 'a wrong secret: 403 naming the reason',
    request: {
      method: 'POST',
      path: '/webhooks/mail/postmark',
      headers: { authorization: `Basic ${btoa('hooks:wrong')}` },
      body: '[]',
    },
    ..._refused(403, 'secret-mismatch', 'the credentials sent do not match (HTTP Basic)'),
    log: _refusal(403, 'secret-mismatch', { esp: 'postmark', path: '/webhooks/mail/postmark' }),
  },
  {
    situation: 'a sink failed: 503 sink-failed, no Retry-After',
    request: _notification(_failure),
    ..._refused(503, 'sink-failed', 'sink fanout did not take the events; retry later'),
    headers: { 'retry-after': null },
    log: _refusal(503, 'sink-failed', { ...SES, sink: 'fanout' }),
  },
  {
    situation: 'Content-Encoding gzip: 415 naming the header',
    request: {
      ..._notification(JSON.parse(bounce.Message)),
      headers: { 'content-encoding': 'gzip' },
    },
    ..._refused(415, 'unsupported-encoding', 'Content-Encoding gzip is not supported'),
    log: _refusal(415, 'unsupported-encoding', SES),
  },
  {
    situation: "Mandrill's HEAD probe: 200, logged",
    request: { method: 'HEAD', path: '/webhooks/mail/mandrill' },
    status: 200,
    body: { ok: true, events: 0 },
    log: { level: 'info', esp: 'mandrill', msg: 'Mandrill set-up probe (HEAD) answered' },
  },
  // Last: under wrangler dev it costs the next request (test/runtimes/parity.test.ts).
  {
    situation: 'a chunked body past maxBodyBytes: 413',
    request: { method: 'POST', path: PARITY_ROUTE, chunked: MAX_BODY_BYTES * 2 },
    ...TOO_LARGE,
  },
];

const DISABLED = `mail webhooks are disabled (enabled: false); ${ROUTES}`;

/** With `MAIL_WEBHOOK_ENABLED=false`: every route answers 404, naming the routes, and logs it. */
export const DISABLED_ROWS: readonly ParityRow[] = [
  {
    situation: 'disabled: an SES notification gets 404',
    request: _notification(JSON.parse(bounce.Message)),
    ..._refused(404, 'not-found', DISABLED),
    log: _refusal(404, 'not-found', { path: PARITY_ROUTE, method: 'POST' }),
  },
  {
    situation: 'disabled: a GET on the route gets 404, not 405',
    request: { method: 'GET', path: PARITY_ROUTE },
    ..._refused(404, 'not-found', DISABLED),
    log: _refusal(404, 'not-found', { path: PARITY_ROUTE, method: 'GET' }),
  },
];

/** The health probe: answered before the handler, so by the servers and the Worker only. */
export const HEALTH_ROWS: readonly Omit<ParityRow, 'log'>[] = [
  {
    situation: 'GET /healthz',
    request: { method: 'GET', path: '/healthz' },
    status: 200,
    body: { ok: true },
  },
  {
    situation: 'HEAD /healthz',
    request: { method: 'HEAD', path: '/healthz' },
    status: 200,
    body: { ok: true },
  },
];
