/** Unisender Go's signed vectors through the real handler, as cases runnable under Node and workerd. */
import { expect } from 'vitest';
import { unisenderGo } from '../../../src/index.js';
import vectorFile from '../../fixtures/esps/unisender_go/vectors/vectors.json' with {
  type: 'json',
};
import { harness } from '../../helpers/provider-harness.js';

/**
 * The `.body` files byte for byte (a test under Node compares them with the files): the real
 * delivery escapes `/` as `\/`, which no re-serialization would reproduce.
 */
export const BODIES: Record<string, string> = {
  'actual_clicked.body': String.raw`{"auth":"b3cb4d6aef9d07095805c39e792e0542","events_by_user":[{"user_id":5960727,"project_name":"Testing","project_id":"6862471","events":[{"event_name":"transactional_email_status","event_data":{"job_id":"1sn15Z-0007Le-GtVN","email":"unisendergo@anymail.dev","status":"clicked","event_time":"2024-09-08 19:56:41","url":"https:\/\/example.com","delivery_info":{"user_agent":"Mozilla\/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit\/537.36 (KHTML, like Gecko) Chrome\/128.0.0.0 Safari\/537.36","ip":"66.179.153.169"}}}]}]}`,
  'hard_bounced_event.body': `{"event_name":"transactional_email_status","status":"hard_bounced","email":"bounce@example.com","delivery_info":{"delivery_status":"err_user_unknown","destination_response":"555 5.7.1 User unknown 'bounce@example.com'."},"event_time":"2024-09-06 23:22:40","auth":"6cf8890071bfd5f5e14be9f0c998d61c"}`,
  'sent_event.body': `{"event_name":"transactional_email_status","user_id":111111,"project_id":999999,"project_name":"Testing","job_id":"1smi9f-00057m-86zr","metadata":{"anymail_id":"00001111-2222-3333-4444-555566667777","cohort":"group a121"},"email":"recipient@example.com","status":"sent","event_time":"2024-09-06 23:14:19","auth":"5bc99de2274a01c595fb3c6907d1a195"}`,
};

/** What each valid vector delivers. */
const DELIVERS: Record<string, [string, string, string][]> = {
  actual_unisender_go_clicked: [['clicked', 'unisendergo@anymail.dev', '1sn15Z-0007Le-GtVN']],
  // Its metadata carries anymail_id: that is the message id, as in anymail's test_sent_event.
  sent_event: [['sent', 'recipient@example.com', '00001111-2222-3333-4444-555566667777']],
  hard_bounced_event: [['bounced', 'bounce@example.com', '']],
};

export interface VectorCase {
  readonly name: string;
  readonly run: () => Promise<void>;
}

export const vectorCases: VectorCase[] = vectorFile.vectors.map((vector) => ({
  name: `vector ${vector.name}: ${vector.expect_valid ? 'accepted' : 'refused 403 signature-invalid'}`,
  async run() {
    const { post, events } = harness(unisenderGo({ apiKey: vector.api_key }));
    const answer = await post(BODIES[vector.body_file] ?? '');
    if (vector.expect_valid) {
      const delivered = DELIVERS[vector.name] ?? [];
      expect(answer).toEqual({ status: 200, body: { ok: true, events: delivered.length } });
      expect(events.map((e) => [e.eventType, e.recipient, e.messageId])).toEqual(delivered);
    } else {
      expect(answer.status).toBe(403);
      expect(answer.body.error).toBe('signature-invalid');
      expect(events).toEqual([]);
    }
  },
}));

/** The real delivery, tampered with after signing: one changed byte is refused. */
export const tamperCases: VectorCase[] = [
  {
    name: 'the real delivery with one byte changed is refused',
    async run() {
      const body = (BODIES['actual_clicked.body'] ?? '').replace('clicked', 'clickeD');
      const { post } = harness(unisenderGo({ apiKey: '6mjstx9gwi7qj8eni6m77hfiiw6aifmss154y4ze' }));
      expect((await post(body)).status).toBe(403);
    },
  },
  {
    name: 'the real delivery verifies with the key second in a rotation list',
    async run() {
      const apiKey = ['new-key', '6mjstx9gwi7qj8eni6m77hfiiw6aifmss154y4ze'];
      const { post } = harness(unisenderGo({ apiKey }));
      expect((await post(BODIES['actual_clicked.body'] ?? '')).status).toBe(200);
    },
  },
];
