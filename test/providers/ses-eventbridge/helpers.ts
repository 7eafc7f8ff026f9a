/** SES-via-EventBridge test helpers: requests as an API destination sends them, a capturing handler. */
import { sesEventBridge } from '../../../src/index.js';
import type { SesEventBridgeOptions } from '../../../src/providers/ses-eventbridge/index.js';
import { captureHandler } from '../../helpers/capture-handler.js';

export const URL_EB = 'http://localhost/webhooks/mail/ses-eventbridge';
export const API_KEY = 'eb-connection-key-1';

/** A POST to the route with the connection's API-key header (EventBridge API_KEY authorization). */
export function ebRequest(
  body: string | object,
  headers: Record<string, string> = { 'x-api-key': API_KEY },
) {
  return new Request(URL_EB, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/** A handler with one SES EventBridge provider (API-key header by default) and a capturing sink. */
export function ebHandler(
  options: SesEventBridgeOptions = { header: 'X-Api-Key', value: API_KEY },
) {
  const { handle, events: received, lines } = captureHandler(sesEventBridge(options));
  return { handle, received, lines };
}

export { jsonAnswer as answer } from '../../helpers/capture-handler.js';

export const basic = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`;
