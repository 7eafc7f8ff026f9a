/**
 * JSON nested deeper than any ESP sends (more than 64 levels) is a 400, never a 500: it parses,
 * but JSON.stringify recurses, so a batch element's digest id threw (500 on SendGrid, Brevo,
 * Mailjet, Mandrill, Unisender Go) and a sink or the store could never write the event.
 */
import { describe, expect, test } from 'vitest';
import * as mailhooks from '../../src/index.js';
import {
  createMailWebhookHandler,
  type EmailTrackingContext,
  encodeTrackingEvent,
} from '../../src/index.js';
import { captureHandler } from '../helpers/capture-handler.js';
import { memoryLogger } from '../helpers/envelope.js';
import { unverifiedProviders } from '../helpers/unverified-providers.js';

const nest = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** Each provider's smallest real event, with `X` where an extra field of any depth goes. */
const EVENTS: Readonly<Record<string, { body: string; form?: boolean; sns?: boolean }>> = {
  resend: {
    body: '{"type":"email.delivered","created_at":"2024-01-01T00:00:00Z","data":{"email_id":"e","to":["a@b.example"],"x":X}}',
  },
  sendgrid: {
    body: '[{"email":"a@b.example","event":"delivered","timestamp":1700000000,"sg_message_id":"m.1","x":X}]',
  },
  mailgun: {
    body: '{"event-data":{"event":"delivered","recipient":"a@b.example","timestamp":1700000000,"id":"i","x":X}}',
  },
  postmark: {
    body: '{"RecordType":"Delivery","Recipient":"a@b.example","MessageID":"m","DeliveredAt":"2024-01-01T00:00:00Z","x":X}',
  },
  brevo: {
    body: '[{"event":"delivered","email":"a@b.example","message-id":"<m>","ts_epoch":1700000000000,"x":X}]',
  },
  mailjet: {
    body: '[{"event":"sent","email":"a@b.example","MessageID":19421777835146490,"time":1700000000,"x":X}]',
  },
  sparkpost: {
    body: '[{"msys":{"message_event":{"type":"delivery","rcpt_to":"a@b.example","message_id":"m","event_id":"e","timestamp":"1700000000","x":X}}}]',
  },
  'unisender-go': {
    body: '{"events_by_user":[{"user_id":1,"events":[{"event_name":"transactional_email_status","event_data":{"email":"a@b.example","status":"delivered","event_time":"2024-01-01 00:00:00","job_id":"j","x":X}}]}]}',
  },
  mailersend: {
    body: '{"type":"activity.sent","created_at":"2024-01-01T00:00:00.000000Z","data":{"email":{"message":{"id":"m"},"recipient":{"email":"a@b.example"}},"x":X}}',
  },
  mailtrap: {
    body: '{"events":[{"event":"delivery","email":"a@b.example","message_id":"m","event_id":"e","timestamp":1700000000,"x":X}]}',
  },
  mandrill: {
    body: '[{"event":"send","ts":1700000000,"_id":"i","msg":{"email":"a@b.example","_id":"m"},"x":X}]',
    form: true,
  },
  postal: {
    body: '{"event":"MessageSent","timestamp":1700000000,"uuid":"u","payload":{"message":{"to":"a@b.example","message_id":"m","id":1},"x":X}}',
  },
  'ses-eventbridge': {
    body: '{"id":"e","source":"aws.ses","account":"123456789012","detail-type":"Email Delivered","detail":{"eventType":"Delivery","mail":{"messageId":"m","timestamp":"2024-01-01T00:00:00Z","destination":["a@b.example"],"x":X},"delivery":{"timestamp":"2024-01-01T00:00:00Z","recipients":["a@b.example"]}}}',
  },
  mailpace: {
    body: '{"event":"email.delivered","payload":{"id":1,"message_id":"m","to":"a@b.example","created_at":"2024-01-01T00:00:00Z","x":X}}',
  },
  loops: {
    body: '{"eventName":"email.delivered","eventTime":1700000000,"contactIdentity":{"email":"a@b.example"},"email":{"id":"m"},"x":X}',
  },
  ses: {
    body: '{"eventType":"Delivery","mail":{"messageId":"m","timestamp":"2024-01-01T00:00:00Z","destination":["a@b.example"],"x":X},"delivery":{"timestamp":"2024-01-01T00:00:00Z","recipients":["a@b.example"]}}',
    sns: true,
  },
};

const PROVIDERS = unverifiedProviders();

/** Every provider, checks off (the parse is what is tried), and a sink that writes each event as the queue does. */
function setup() {
  const received: EmailTrackingContext[] = [];
  const { logger, lines } = memoryLogger();
  const handle = createMailWebhookHandler({
    providers: PROVIDERS,
    logger,
    sinks: [
      {
        name: 'wire',
        send: async (events) => {
          for (const event of events) encodeTrackingEvent(event);
          received.push(...events);
        },
      },
    ],
  });
  const post = async (name: string, depth: number) => {
    const { body, form, sns } = EVENTS[name] as (typeof EVENTS)[string];
    const event = body.replace('X', nest(depth));
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    let sent = event;
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      sent = `mandrill_events=${encodeURIComponent(event)}`;
    } else if (sns) {
      const id = '00000000-0000-4000-8000-000000000001';
      sent = JSON.stringify({
        Type: 'Notification',
        MessageId: id,
        TopicArn: 'arn:aws:sns:us-east-1:123456789012:ses-events',
        Timestamp: '2024-01-01T00:00:00.000Z',
        Message: event,
      });
      Object.assign(headers, {
        'x-amz-sns-message-type': 'Notification',
        'x-amz-sns-message-id': id,
      });
    }
    const response = await handle(
      new Request(`https://hooks.example/webhooks/mail/${name}`, {
        method: 'POST',
        body: sent,
        headers,
      }),
    );
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return { post, received, errors: () => lines.filter((l) => l.level === 'error') };
}

const NAMES = Object.keys(EVENTS).filter((name) => name !== 'ses');

describe('JSON nested more than 64 levels deep', () => {
  test.each(NAMES)(
    '%s: 400 invalid-json saying it nests too deep (it is JSON), nothing delivered, no error logged',
    async (name) => {
      const { post, received, errors } = setup();
      // 20,000 levels: JSON.parse takes it, JSON.stringify overflows the stack.
      const what = name === 'mandrill' ? 'form field "mandrill_events"' : 'request body';
      for (const depth of [65, 20_000]) {
        const { status, body } = await post(name, depth);
        expect({ status, error: body.error, message: body.message }).toEqual({
          status: 400,
          error: 'invalid-json',
          message: `${what} nests more than 64 deep`,
        });
      }
      expect(received).toEqual([]);
      expect(errors()).toEqual([]);
    },
  );

  test.each(NAMES)('%s: within 64 levels it is an event, delivered and written', async (name) => {
    const { post, received } = setup();
    // The extra field sits at most 9 levels in: 55 more stay within 64.
    expect(await post(name, 55)).toEqual({ status: 200, body: { ok: true, events: 1 } });
    expect(received).toHaveLength(1);
  });

  test('ses: a Message that names its eventType but nests deeper is 400 naming the field (DESIGN: it claims to be an SES event); within 64 it is one', async () => {
    const { post, received, errors } = setup();
    for (const depth of [65, 20_000]) {
      expect(await post('ses', depth)).toEqual({
        status: 400,
        body: {
          ok: false,
          error: 'invalid-ses-event',
          message: 'SES event field "mail" nests more than 64 deep',
        },
      });
    }
    expect(received).toEqual([]);
    expect(errors()).toEqual([]);
    expect(await post('ses', 55)).toEqual({ status: 200, body: { ok: true, events: 1 } });
  });

  test.each([
    ['ses', mailhooks.ses({ verifySignature: false })],
    ['scaleway', mailhooks.scaleway({ verifySignature: false })],
  ])(
    '%s: an SNS envelope nested deeper (a "Type" of 20,000 arrays) is 400 invalid-json, not a 500',
    async (name, provider) => {
      const { handle, events: received } = captureHandler(provider);
      for (const depth of [65, 20_000]) {
        const response = await handle(
          new Request(`https://hooks.example/webhooks/mail/${name}`, {
            method: 'POST',
            body: `{"Type":${nest(depth)},"MessageId":"m"}`,
            headers: { 'x-amz-sns-message-type': 'Notification', 'x-amz-sns-message-id': 'm' },
          }),
        );
        const { error, message } = (await response.json()) as { error: string; message: string };
        expect({ status: response.status, error, message }).toEqual({
          status: 400,
          error: 'invalid-json',
          message: 'request body nests more than 64 deep',
        });
      }
      expect(received).toEqual([]);
    },
  );

  test('brackets inside a string are text, not nesting; an escaped quote does not end it', async () => {
    const { handle, events: received } = captureHandler(
      mailhooks.resend({ verifySignature: false }),
    );
    const send = (x: string) =>
      handle(
        new Request('https://hooks.example/webhooks/mail/resend', {
          method: 'POST',
          body: EVENTS.resend?.body.replace('X', x),
        }),
      );
    // A string of 200 "[" after an escaped quote: text, so one event.
    expect((await send(JSON.stringify(`\\"${'['.repeat(200)}{`))).status).toBe(200);
    expect(received).toHaveLength(1);
    // "]" in a string does not unwind real nesting: 70 levels after it are still refused.
    const hidden = `[${JSON.stringify(`\\"${']'.repeat(100)}`)},${nest(70)}]`;
    const refused = await send(hidden);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe('invalid-json');
    expect(received).toHaveLength(1);
  });
});
