/** A JSON `Response` for Node kept as plain values (srvx's fast response): no web stream unless asked for. */
import type { JsonAnswer } from '../errors.js';

const _JSON_TYPE = 'application/json; charset=utf-8';
const _JSON_HEADERS: readonly string[] = ['content-type', _JSON_TYPE];
const _encoder = new TextEncoder();

// What a Response has beyond status, headers and reading the JSON: served by a real Response,
// built the first time one of them is used.
const _DELEGATED_METHODS = ['blob', 'clone', 'formData'];
const _DELEGATED_GETTERS = ['body', 'redirected', 'type', 'url'];

/**
 * undici builds a `ReadableStream` for every `Response` body, which costs more than the core's
 * whole answer. This one holds the serialised JSON: the Node bridge writes it to the socket
 * as it is, and `text()`, `json()`, `arrayBuffer()` and `bytes()` read it without a stream.
 */
export class _NodeJsonResponse {
  readonly status: number;
  readonly #json: string;
  readonly #headerRecord: Readonly<Record<string, string>> | undefined;
  #headers: Headers | undefined;
  #response: Response | undefined;
  #used = false;

  constructor(status: number, json: string, headers?: Readonly<Record<string, string>>) {
    this.status = status;
    this.#json = json;
    this.#headerRecord = headers;
  }
  get ok(): boolean {
    return this.status >= 200 && this.status <= 299;
  }
  get statusText(): string {
    return '';
  }
  get headers(): Headers {
    if (!this.#headers) {
      this.#headers = new Headers(this.#headersRecord());
    }
    return this.#headers;
  }
  get bodyUsed(): boolean {
    return this.#response ? this.#response.bodyUsed : this.#used;
  }
  /**
   * The body untouched and its headers as a flat list (name, value, …), as `writeHead` takes
   * them, shared, not to be changed: what the bridge writes; undefined once a real Response
   * took over.
   */
  _raw(): { json: string; headers: readonly string[] } | undefined {
    if (this.#response || this.#used) return undefined;
    if (!this.#headers && !this.#headerRecord) return { json: this.#json, headers: _JSON_HEADERS };
    const headers: string[] = [];
    for (const [name, value] of this.#headers ?? Object.entries(this.#headersRecord())) {
      headers.push(name, value);
    }
    return { json: this.#json, headers };
  }
  #headersRecord(): Record<string, string> {
    return { 'content-type': _JSON_TYPE, ...this.#headerRecord };
  }
  /** The real Response, made once; its body is spent if this one's was read. */
  _full(): Response {
    if (!this.#response) {
      const response = new Response(this.#json, { status: this.status, headers: this.headers });
      if (this.#used) response.body?.cancel().catch(() => {});
      this.#response = response;
    }
    return this.#response;
  }
  #take(): string {
    if (this.#used) throw new TypeError('Body is unusable: Body has already been read');
    this.#used = true;
    return this.#json;
  }
  /** The body read once, converted, settled at once: no stream and no chain of async methods. */
  #read<T>(convert: (json: string) => T, full: (response: Response) => Promise<T>): Promise<T> {
    if (this.#response) return full(this.#response);
    try {
      return Promise.resolve(convert(this.#take()));
    } catch (error) {
      return Promise.reject(error);
    }
  }
  text(): Promise<string> {
    return this.#read(
      (json) => json,
      (response) => response.text(),
    );
  }
  json(): Promise<unknown> {
    return this.#read(JSON.parse, (response) => response.json());
  }
  bytes(): Promise<Uint8Array> {
    return this.#read(
      (json) => _encoder.encode(json),
      async (response) => new Uint8Array(await response.arrayBuffer()),
    );
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#read(
      (json) => _ownBuffer(_encoder.encode(json)),
      (response) => response.arrayBuffer(),
    );
  }
}

function _ownBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteLength === bytes.buffer.byteLength
    ? (bytes.buffer as ArrayBuffer)
    : (bytes.slice().buffer as ArrayBuffer);
}

for (const name of _DELEGATED_METHODS) {
  Object.defineProperty(_NodeJsonResponse.prototype, name, {
    value(this: _NodeJsonResponse, ...args: unknown[]) {
      const response = this._full() as unknown as Record<string, (...a: unknown[]) => unknown>;
      return response[name]?.(...args);
    },
  });
}
for (const name of _DELEGATED_GETTERS) {
  Object.defineProperty(_NodeJsonResponse.prototype, name, {
    get(this: _NodeJsonResponse) {
      return (this._full() as unknown as Record<string, unknown>)[name];
    },
  });
}
// `response instanceof Response` holds, as for the Response it stands for.
Object.setPrototypeOf(_NodeJsonResponse.prototype, Response.prototype);

/** The `JsonAnswer` `mailhooks/node` lends the core. */
export const nodeJsonAnswer: JsonAnswer = (status, json, headers) =>
  new _NodeJsonResponse(status, json, headers) as unknown as Response;
