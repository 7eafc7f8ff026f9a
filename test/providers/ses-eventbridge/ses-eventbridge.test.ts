/** SES through EventBridge: the connection's credentials, source and account rules, the SES parser on `detail`. */
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { createHandlerFromEnv } from '../../../src/from-env.js';
import { sesEventBridge } from '../../../src/index.js';
import bounce from '../../fixtures/esps/amazon_ses_eventbridge/constructed_Bounce.json' with {
  type: 'json',
};
import click from '../../fixtures/esps/amazon_ses_eventbridge/constructed_Click.json' with {
  type: 'json',
};
import complaint from '../../fixtures/esps/amazon_ses_eventbridge/constructed_Complaint.json' with {
  type: 'json',
};
import delivery from '../../fixtures/esps/amazon_ses_eventbridge/constructed_Delivery.json' with {
  type: 'json',
};
import delay from '../../fixtures/esps/amazon_ses_eventbridge/constructed_DeliveryDelay.json' with {
  type: 'json',
};
import open from '../../fixtures/esps/amazon_ses_eventbridge/constructed_Open.json' with {
  type: 'json',
};
import reject from '../../fixtures/esps/amazon_ses_eventbridge/constructed_Reject.json' with {
  type: 'json',
};
import rendering from '../../fixtures/esps/amazon_ses_eventbridge/constructed_RenderingFailure.json' with {
  type: 'json',
};
import send from '../../fixtures/esps/amazon_ses_eventbridge/constructed_Send.json' with {
  type: 'json',
};
import subscription from '../../fixtures/esps/amazon_ses_eventbridge/constructed_Subscription.json' with {
  type: 'json',
};
import { memoryLogger } from '../../helpers/envelope.js';
import { API_KEY, answer, basic, ebHandler, ebRequest } from './helpers.js';

const refusal = async (response: Response) => [response.status, (await answer(response)).error];

describe('SES EventBridge events', () => {
  test.each([
    ['Send', 'sent', null, null, send],
    ['Delivery', 'delivered', null, null, delivery],
    ['Bounce', 'bounced', 'bounced', true, bounce],
    ['Complaint', 'complained', 'spam', null, complaint],
    ['Reject', 'rejected', 'blocked', false, reject],
    ['Rendering Failure', 'failed', 'other', false, rendering],
    ['Open', 'opened', null, null, open],
    ['Click', 'clicked', null, null, click],
    ['DeliveryDelay', 'deferred', null, null, delay],
  ] as const)(
    '%s: the SES record in detail is %s, keyed by the EventBridge id',
    async (_name, type, category, permanent, event) => {
      const { handle, received } = ebHandler();
      expect(await answer(await handle(ebRequest(event)))).toEqual({ ok: true, events: 1 });
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({
        eventType: type,
        espName: 'ses-eventbridge',
        eventId: event.id,
        messageId: event.detail.mail.messageId,
        rejectCategory: category,
        permanent,
        rawEvent: event.detail,
      });
    },
  );

  test('a bounce carries the SES fields: recipient, reason, diagnostic, tags and the detail timestamp', async () => {
    const { handle, received } = ebHandler();
    await handle(ebRequest(bounce));
    await handle(ebRequest(click));
    expect(received[0]).toMatchObject({
      recipient: 'recipient@example.com',
      rejectReason: 'Permanent/General',
      mtaResponse: 'smtp; 550 5.1.1 user unknown',
      timestamp: new Date('2017-08-05T00:41:02.669Z'),
    });
    expect(received[1]?.tags).toContain('myCustomTag1:myCustomValue1');
  });

  // reference/esps.md 3.11 and 2.5: SES gives per-event recipient lists; one context each.
  test('a bounce naming two recipients gives one context each, both keyed by the EventBridge id', async () => {
    const { handle, received } = ebHandler();
    const [first] = bounce.detail.bounce.bouncedRecipients;
    const second = { ...first, emailAddress: 'second@example.com' };
    const two = {
      ...bounce,
      detail: {
        ...bounce.detail,
        bounce: { ...bounce.detail.bounce, bouncedRecipients: [first, second] },
      },
    };
    expect(await answer(await handle(ebRequest(two)))).toEqual({ ok: true, events: 2 });
    expect(received.map((c) => [c.recipient, c.eventId, c.espName, c.eventType])).toEqual([
      ['recipient@example.com', bounce.id, 'ses-eventbridge', 'bounced'],
      ['second@example.com', bounce.id, 'ses-eventbridge', 'bounced'],
    ]);
  });

  test('a click carries its link; the Subscription record follows the SES rule (unsubscribeAll → unsubscribed)', async () => {
    const { handle, received } = ebHandler();
    await handle(ebRequest(click));
    await handle(ebRequest(subscription));
    expect(received[0]?.clickUrl).toBe(click.detail.click.link);
    const optsOut = subscription.detail.subscription.newTopicPreferences.unsubscribeAll;
    expect(received[1]?.eventType).toBe(optsOut ? 'unsubscribed' : 'unknown');
  });

  test('an aws.ses event that is not an SES record (no eventType) is 200 with no events and a warning', async () => {
    const { handle, received, lines } = ebHandler();
    const advisor = { ...send, 'detail-type': 'Sending Status Change', detail: { status: 'ok' } };
    expect(await answer(await handle(ebRequest(advisor)))).toEqual({ ok: true, events: 0 });
    expect(received).toEqual([]);
    expect(lines.some((l) => l.level === 'warn' && l.fields.eventId === send.id)).toBe(true);
  });

  test('a broken SES record is 400 naming the field; a reshaped event (InputTransformer) is 400 invalid-envelope', async () => {
    const { handle } = ebHandler();
    const broken = { ...bounce, detail: { ...bounce.detail, mail: { messageId: 'x' } } };
    const response = await handle(ebRequest(broken));
    expect([response.status, (await answer(response)).message]).toEqual([
      400,
      expect.stringContaining('mail.destination'),
    ]);
    expect(await refusal(await handle(ebRequest(bounce.detail)))).toEqual([
      400,
      'invalid-envelope',
    ]);
    expect(await refusal(await handle(ebRequest('not json')))).toEqual([400, 'invalid-json']);
  });

  test('JSON that is no event object, or an event with an empty id, is 400 invalid-envelope, never a throw', async () => {
    const { handle, received } = ebHandler();
    for (const body of ['null', '[]', '[{"source":"aws.ses"}]', '7', '"aws.ses"']) {
      expect([body, ...(await refusal(await handle(ebRequest(body))))]).toEqual([
        body,
        400,
        'invalid-envelope',
      ]);
    }
    // The id is every context's eventId: an empty one would collapse unrelated events.
    const response = await handle(ebRequest({ ...delivery, id: '' }));
    expect([response.status, (await answer(response)).message]).toEqual([
      400,
      expect.stringContaining('"id"'),
    ]);
    expect(received).toEqual([]);
  });
});

describe('SES EventBridge sender rules', () => {
  test('an event from another source is 403 source-not-allowed, nothing delivered', async () => {
    const { handle, received } = ebHandler();
    const ec2 = { ...delivery, source: 'aws.ec2' };
    expect(await refusal(await handle(ebRequest(ec2)))).toEqual([403, 'source-not-allowed']);
    expect(received).toEqual([]);
  });

  test('the sender is judged before the envelope: a foreign event in any shape is 403', async () => {
    const { handle, received } = ebHandler({
      header: 'X-Api-Key',
      value: API_KEY,
      accounts: ['123456789012'],
    });
    const cases: [object, string][] = [
      [{ source: 'aws.ec2', id: 'x' }, 'source-not-allowed'],
      [{ source: 7 }, 'source-not-allowed'],
      [{ source: 'aws.ses', id: 'x' }, 'account-not-allowed'],
      [{ ...delivery, account: 210987654321 }, 'account-not-allowed'],
    ];
    for (const [event, reason] of cases) {
      expect(await refusal(await handle(ebRequest(event)))).toEqual([403, reason]);
    }
    // From the allowed account and source, a broken envelope is the 400 that names its field.
    const broken = { source: 'aws.ses', account: '123456789012', id: 'x' };
    const response = await handle(ebRequest(broken));
    expect([response.status, (await answer(response)).message]).toEqual([
      400,
      expect.stringContaining('"detail"'),
    ]);
    expect(received).toEqual([]);
  });

  test('with accounts set, an event from another account is 403 account-not-allowed', async () => {
    const { handle, received } = ebHandler({
      header: 'X-Api-Key',
      value: API_KEY,
      accounts: ['123456789012'],
    });
    expect((await handle(ebRequest(delivery))).status).toBe(200);
    const foreign = { ...delivery, account: '210987654321' };
    expect(await refusal(await handle(ebRequest(foreign)))).toEqual([403, 'account-not-allowed']);
    expect(received).toHaveLength(1);
  });
});

describe('SES EventBridge credentials', () => {
  test('API-key header: missing 401, wrong 403, right 200; the body is not read before', async () => {
    const { handle } = ebHandler();
    expect(await refusal(await handle(ebRequest(delivery, {})))).toEqual([
      401,
      'credentials-required',
    ]);
    expect(await refusal(await handle(ebRequest(delivery, { 'x-api-key': 'no' })))).toEqual([
      403,
      'secret-mismatch',
    ]);
    expect((await handle(ebRequest(delivery))).status).toBe(200);
  });

  test('Basic (the BASIC authorization): 401 with a challenge, 403 wrong, 200 right', async () => {
    const { handle } = ebHandler({ password: 'pw', username: 'eb' });
    const none = await handle(ebRequest(delivery, {}));
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect((await handle(ebRequest(delivery, { authorization: basic('eb', 'x') }))).status).toBe(
      403,
    );
    expect((await handle(ebRequest(delivery, { authorization: basic('eb', 'pw') }))).status).toBe(
      200,
    );
  });

  test('Bearer (OAuth client credentials token) works as a token', async () => {
    const { handle } = ebHandler({ token: 'tok' });
    expect((await handle(ebRequest(delivery, { authorization: 'Bearer tok' }))).status).toBe(200);
    expect((await handle(ebRequest(delivery, { authorization: 'Bearer other' }))).status).toBe(403);
  });

  test('source and account are checked even with the credential check off (warned)', async () => {
    const { handle, lines } = ebHandler({ verifySignature: false });
    expect((await handle(ebRequest(delivery, {}))).status).toBe(200);
    expect((await handle(ebRequest({ ...delivery, source: 'x' }, {}))).status).toBe(403);
    expect(lines.some((l) => l.level === 'warn' && l.msg.includes('OFF'))).toBe(true);
  });
});

describe('SES EventBridge settings', () => {
  test('no credentials, a lone header, or a bad account id is a ConfigError naming the option', () => {
    expect(() => sesEventBridge()).toThrow(/ses-eventbridge\.password/);
    expect(() => sesEventBridge({ header: 'X-Api-Key' })).toThrow(/ses-eventbridge\.value/);
    expect(() => sesEventBridge({ token: 't', accounts: ['12345'] })).toThrow(
      /ses-eventbridge\.accounts/,
    );
    // An id that only ends in 12 digits could never match an event's `account`: refused too.
    for (const id of ['1234567890123', 'x123456789012', 'arn:aws:iam::123456789012']) {
      expect(() => sesEventBridge({ token: 't', accounts: ['123456789012', id] })).toThrow(
        /^ses-eventbridge\.accounts: expected AWS account ids \(12 digits each\)/,
      );
    }
    expect(() => sesEventBridge({ token: 't', acounts: [] } as never)).toThrow(ConfigError);
  });

  test('MAIL_WEBHOOK_SES_EVENTBRIDGE_* variables: header, value, accounts', async () => {
    const handle = createHandlerFromEnv(
      {
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_PROVIDERS: 'ses-eventbridge',
        MAIL_WEBHOOK_SES_EVENTBRIDGE_HEADER: 'X-Api-Key',
        MAIL_WEBHOOK_SES_EVENTBRIDGE_VALUE: API_KEY,
        MAIL_WEBHOOK_SES_EVENTBRIDGE_ACCOUNTS: '111111111111, 123456789012',
      },
      { logger: memoryLogger().logger },
    );
    expect((await handle(ebRequest(delivery))).status).toBe(200);
    expect((await handle(ebRequest({ ...delivery, account: '999999999999' }))).status).toBe(403);
    expect(() =>
      createHandlerFromEnv(
        { MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_PROVIDERS: 'ses-eventbridge' },
        { logger: memoryLogger().logger },
      ),
    ).toThrow(/MAIL_WEBHOOK_SES_EVENTBRIDGE_PASSWORD/);
  });
});
