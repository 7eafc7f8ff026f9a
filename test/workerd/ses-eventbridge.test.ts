/** SES through EventBridge inside workerd: the connection's header, the source rule, the SES parser. */
import { describe, expect, test } from 'vitest';
import bounce from '../fixtures/esps/amazon_ses_eventbridge/constructed_Bounce.json' with {
  type: 'json',
};
import { answer, ebHandler, ebRequest } from '../providers/ses-eventbridge/helpers.js';

describe('SES EventBridge inside workerd', () => {
  test('a bounce with the API-key header gives one permanent bounce keyed by the event id', async () => {
    const { handle, received } = ebHandler();
    expect(await answer(await handle(ebRequest(bounce)))).toEqual({ ok: true, events: 1 });
    expect(received.map((c) => [c.eventType, c.recipient, c.eventId, c.espName])).toEqual([
      ['bounced', 'recipient@example.com', bounce.id, 'ses-eventbridge'],
    ]);
  });

  test('no header 401, another source 403', async () => {
    const { handle } = ebHandler();
    expect((await handle(ebRequest(bounce, {}))).status).toBe(401);
    expect((await handle(ebRequest({ ...bounce, source: 'aws.s3' }))).status).toBe(403);
  });
});
