/**
 * A Cloudflare Worker for the providers it is given: settings from `env`, parsed once per env
 * object. It imports no provider, so a Worker built from a few bundles only those.
 */

import { readDeclaredLength } from '../body.js';
import { createRuntimeFromEnv, type Env, type EnvRuntime, type Registry } from '../env-runtime.js';
import { ConfigError, errorResponse, HttpError } from '../errors.js';
import { logRefusal } from '../handler.js';
import { withHealthCheck } from '../health.js';
import { consoleLogger } from '../log.js';
import { pathnameOf } from '../route.js';
import { type MessageBatchLike, retryAfterBackoff } from '../sinks/consumer.js';
import { consumeWithReplay, DLQ_REPLAY_VARIABLE } from '../sinks/dlq.js';
import { warnUnlistedSink } from '../sinks/env.js';

/**
 * What a Worker module exports: `fetch` for the webhooks, `queue` for MAIL_WEBHOOK_QUEUE. `env` is
 * the Worker's own (the `Env` interface `wrangler types` writes is accepted as it is). `ctx` is
 * taken and unused, so a Worker of your own passes on its three arguments as workerd gives them.
 */
export interface MailhooksWorker {
  fetch(request: Request, env: Env, ctx?: unknown): Response | Promise<Response>;
  queue(batch: MessageBatchLike, env: Env, ctx?: unknown): Promise<void>;
}

// 503, not 500: SNS keeps retrying, so nothing is lost while the setting is fixed. The body names
// nothing about the configuration (whoever can reach the Worker can read it): the log lines do.
const _MISCONFIGURED = new HttpError(
  503,
  'misconfigured',
  "mailhooks is misconfigured; see the Worker's logs",
);

// workerd holds a body to its Content-Length: reading it whole beats reading its stream.
const _RUNTIME = { readBody: readDeclaredLength };

/**
 * The Worker, with `MAIL_WEBHOOK_PROVIDERS` chosen among `registry` (the entries exported by
 * mailhooks/env); a provider left out of the registry is left out of the bundle.
 * @example
 * import { createWorker } from 'mailhooks/cloudflare';
 * import { resendProvider, sesProvider } from 'mailhooks/env';
 * export default createWorker([sesProvider, resendProvider]);
 */
export function createWorker(registry: Registry): MailhooksWorker {
  // Workers hand the same env object to every request of an isolate: parse once per env.
  const runtimes = new WeakMap<object, EnvRuntime | ConfigError>();

  const runtimeFor = (env: Env): EnvRuntime | ConfigError => {
    let runtime = runtimes.get(env);
    if (!runtime) {
      try {
        runtime = createRuntimeFromEnv(env, { registry, runtime: _RUNTIME });
        // Here, not in createRuntimeFromEnv: only the Worker replays (a server says it ignores the
        // variable), and without the fan-out its queue() can only retry each dead letter.
        if (runtime.deadLetter.replay && !runtime.consumerSinks.length)
          warnUnlistedSink(runtime.logger, DLQ_REPLAY_VARIABLE, 'fanout');
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        // A Worker has no start-up to stop: say what is wrong once, then refuse every request.
        consoleLogger.error('mailhooks is misconfigured', {
          setting: error.setting,
          error: error.message,
        });
        runtime = error;
      }
      runtimes.set(env, runtime);
    }
    return runtime;
  };

  // A body the answer left unread is not cancelled: under `wrangler dev` (which reads it to its
  // end before answering) the cancel broke the next request, answered 503 by wrangler or never.
  const serve = withHealthCheck((request: Request, runtime: EnvRuntime) =>
    runtime.handler(request),
  );

  return {
    fetch(request, env) {
      const runtime = runtimeFor(env);
      if (!(runtime instanceof ConfigError)) return serve(request, runtime);
      // Every request, /healthz too (a probe must not pass while each webhook gets 503), and
      // one line each: `wrangler tail` started after the first request still says what is wrong.
      logRefusal(consoleLogger, _MISCONFIGURED, {
        path: pathnameOf(request.url),
        setting: runtime.setting,
      });
      return errorResponse(_MISCONFIGURED);
    },

    /**
     * The consumer of MAIL_WEBHOOK_QUEUE: runs the fan-out, acking or retrying each message; with
     * MAIL_WEBHOOK_DLQ_REPLAY=true, also of its dead-letter queue (MAIL_WEBHOOK_DLQ_NAME, or a
     * name ending in -dlq), replayed through the fan-out.
     */
    async queue(batch, env) {
      const runtime = runtimeFor(env);
      // Each message waits its backoff, as when a sink fails. Thrown, the batch would be retried at
      // once, spending max_retries in seconds: the dead-letter queue's consumer (this Worker, with
      // the same settings) would then see its messages deleted before the fix lands.
      if (runtime instanceof ConfigError) return batch.messages.forEach(retryAfterBackoff);
      return consumeWithReplay(batch, runtime.consumerSinks, {
        ...runtime.deadLetter,
        logger: runtime.logger,
      });
    },
  };
}
