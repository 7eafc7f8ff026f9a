/** A handler around one provider: a capturing sink and logger, a fixed clock, and requests to its route. */
import type { Provider } from '../../src/index.js';
import { captureHandler } from './capture-handler.js';

/** The handler's clock: the timestamp of events that carry none. */
export const NOW = new Date('2030-01-02T03:04:05.000Z');

/** `Authorization: Basic` for `user:password`, UTF-8 encoded. */
export const basic = (user: string, password: string): string =>
  `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${user}:${password}`)))}`;

/** The URL of a provider path under the default basePath. */
export const routeOf = (path: string): string => `https://hooks.example.com/webhooks/mail/${path}`;

export function harness(provider: Provider) {
  const { handle, events, lines } = captureHandler(provider, { now: () => NOW });
  /** POSTs `body` to the provider's route and returns the status and JSON answer. */
  const post = async (body: BodyInit, headers: Record<string, string> = {}) => {
    const response = await handle(
      new Request(routeOf(provider.path), {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...headers },
      }),
    );
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const warnings = () => lines.filter((l) => l.level === 'warn');
  return { handle, post, events, lines, warnings };
}

/** `<name>:` and the first 32 hex digits of SHA-256, computed here, apart from the code under test. */
export async function digestOf(name: string, text: string | Uint8Array): Promise<string> {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const hash = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  const hex = Array.from(new Uint8Array(hash), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${name}:${hex.slice(0, 32)}`;
}
