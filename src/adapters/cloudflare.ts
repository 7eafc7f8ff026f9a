/** The Cloudflare Worker: settings from `env`, parsed once per env object; the core does the rest. */
import { createHandlerFromEnv } from '../from-env.js';

type Handler = (request: Request) => Promise<Response>;

// Workers hand the same env object to every request of an isolate: parse once per env.
const _handlers = new WeakMap<object, Handler>();

function _handlerFor(env: Record<string, unknown>): Handler {
  let handler = _handlers.get(env);
  if (!handler) {
    handler = createHandlerFromEnv(env);
    _handlers.set(env, handler);
  }
  return handler;
}

export default {
  fetch(request: Request, env: Record<string, unknown>): Promise<Response> {
    return _handlerFor(env)(request);
  },
};
