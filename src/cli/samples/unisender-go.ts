/** Unisender Go (fixtures/esps/unisender_go): an `events_by_user` batch, `auth` the MD5 of the body with the API key in its place. */
import { md5Hex } from '../../providers/unisender-go/md5.js';
import { hex } from './ids.js';
import type { CliProvider, SampleBuilder } from './types.js';

const USER_AGENT =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/124.0';
const _encoder = new TextEncoder();
/** Stands for `auth` while the body is built: 32 characters no JSON of ours contains. */
const _PLACEHOLDER = '@@mailhooks-auth-placeholder-@@@';

/** "2024-09-06 23:22:40": UTC, as Unisender Go writes it. */
const _time = (now: Date) => now.toISOString().slice(0, 19).replace('T', ' ');

/** Unisender Go's job ids: `1sn15Z-0007Le-GtVN`. */
const _jobId = () => {
  const text = hex(8);
  return `${text.slice(0, 6)}-${text.slice(6, 10)}-${text.slice(10, 14)}`.toUpperCase();
};

/** One batch: `status` for every recipient, with `fields` of that event. */
const _batch =
  (status: string, fields: object = {}): SampleBuilder =>
  (sample) => [
    {
      auth: _PLACEHOLDER,
      events_by_user: [
        {
          user_id: 5960727,
          project_name: 'mailhooks',
          project_id: '6862471',
          events: sample.recipients.map((email) => ({
            event_name: 'transactional_email_status',
            event_data: {
              job_id: _jobId(),
              metadata: { campaign: 'welcome' },
              email,
              status,
              event_time: _time(sample.now),
              ...fields,
            },
          })),
        },
      ],
    },
  ];

const _engaged = { delivery_info: { user_agent: USER_AGENT, ip: '192.0.2.1' } };

export const unisenderGoSamples: CliProvider = {
  name: 'unisender-go',
  credentials: 'secret',
  signing: 'auth: MD5 of the body with the API key in its place (--secret <api key>)',
  events: {
    sent: _batch('sent'),
    delivered: _batch('delivered', {
      delivery_info: { delivery_status: 'success', destination_response: '250 2.0.0 OK' },
    }),
    deferred: _batch('soft_bounced', {
      delivery_info: {
        delivery_status: 'err_mailbox_full',
        destination_response: '452 4.2.2 The email account that you tried to reach is over quota.',
      },
    }),
    bounced: _batch('hard_bounced', {
      delivery_info: {
        delivery_status: 'err_user_unknown',
        destination_response: '550 5.1.1 User unknown',
      },
    }),
    opened: _batch('opened', _engaged),
    clicked: _batch('clicked', { url: 'https://example.com/welcome', ..._engaged }),
    complained: _batch('spam', _engaged),
    unsubscribed: _batch('unsubscribed', {
      comment: 'Unsubscribed via List-Unsubscribe',
      ..._engaged,
    }),
  },
  async sign(payload, credentials) {
    // Unisender Go writes JSON as PHP does, `/` escaped as `\/`; the digest is over those bytes.
    const text = JSON.stringify(payload).replaceAll('/', '\\/');
    const key = credentials.secret ?? '';
    const keyed = text.replace(_PLACEHOLDER, () => key);
    const auth = md5Hex(_encoder.encode(keyed));
    return {
      headers: { 'content-type': 'application/json' },
      body: text.replace(_PLACEHOLDER, () => auth),
    };
  },
};
