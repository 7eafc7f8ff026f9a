/**
 * The Cloudflare Worker with every built-in provider (`wrangler.toml` `main`). For a smaller
 * bundle, a Worker entry of your own: `export default createWorker([sesProvider, ...])`.
 */
import { BUILTIN_PROVIDERS } from '../providers/registry.js';
import { createWorker } from './cloudflare-worker.js';

export { consumeQueueBatch, type MessageBatchLike } from '../sinks/consumer.js';
export { createWorker, type MailhooksWorker } from './cloudflare-worker.js';

// Pure: a bundle that imports only createWorker from here drops this Worker and its registry.
export default /* @__PURE__ */ createWorker(BUILTIN_PROVIDERS);
