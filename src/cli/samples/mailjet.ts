/** Mailjet (fixtures/esps/mailjet): one Event API object per request, behind a shared secret. */
import { sharedSecretHeaders } from '../signing.js';
import { perRecipient, unixSeconds } from './ids.js';
import type { CliProvider } from './types.js';

const USER_AGENT = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/537.36 Chrome/124.0';

/** A Mailjet message id: 17 digits, past 2^53, as Mailjet's are (sent as a bare JSON number). */
const _messageId = () =>
  `${1 + Math.floor(Math.random() * 9)}${String(Math.floor(Math.random() * 1e16)).padStart(16, '0')}`;

/** Mailjet's `event` for one recipient, with `fields` of that event. */
const _event = (event: string, fields: object = {}) =>
  perRecipient((email, now) => {
    const messageId = _messageId();
    return {
      event,
      time: unixSeconds(now),
      MessageID: `@@${messageId}@@`,
      Message_GUID: crypto.randomUUID(),
      email,
      mj_campaign_id: 7257,
      mj_contact_id: Math.floor(Math.random() * 1e10),
      customcampaign: 'welcome',
      mj_message_id: messageId,
      CustomID: '',
      Payload: '{"campaign": "welcome"}',
      ...fields,
    };
  });

export const mailjetSamples: CliProvider = {
  name: 'mailjet',
  credentials: 'shared-secret',
  signing: 'a shared secret (--password [--username], --token or --header)',
  events: {
    delivered: _event('sent', {
      smtp_reply: '250 2.0.0 OK 1698765432 a67bc12345def.22 - gsmtp',
    }),
    deferred: _event('bounce', {
      blocked: false,
      hard_bounce: false,
      error_related_to: 'recipient',
      error: 'greylisted',
      comment: '451 4.7.1 Greylisted, please try again later',
    }),
    bounced: _event('bounce', {
      blocked: false,
      hard_bounce: true,
      error_related_to: 'recipient',
      error: 'user unknown',
      comment: '550 5.1.1 Recipient address rejected: User unknown',
    }),
    rejected: _event('blocked', { error_related_to: 'recipient', error: 'preblocked' }),
    opened: _event('open', { ip: '192.0.2.1', geo: 'US', agent: USER_AGENT }),
    clicked: _event('click', {
      url: 'https://example.com/welcome',
      ip: '192.0.2.1',
      geo: 'US',
      agent: USER_AGENT,
    }),
    complained: _event('spam', { source: 'JMRPP' }),
    unsubscribed: _event('unsub', { mj_list_id: 1, ip: '192.0.2.1', geo: 'US', agent: USER_AGENT }),
  },
  sign: async (payload, credentials) => ({
    headers: { 'content-type': 'application/json', ...sharedSecretHeaders(credentials) },
    // Mailjet's MessageID is a bare number past 2^53: written as digits, not a string.
    body: JSON.stringify(payload).replace(/"@@(\d+)@@"/g, '$1'),
  }),
};
