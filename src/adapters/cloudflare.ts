/** The Cloudflare Worker: settings from `env`, parsed once per env object; the core does the rest. */
import { ConfigError, errorResponse, HttpError } from '../errors.js';
import { createRuntimeFromEnv, type EnvRuntime } from '../from-env.js';
import { withHealthCheck } from '../health.js';
import { consoleLogger } from '../log.js';
import type { MessageBatchLike } from '../sinks/consumer.js';
import { consumeWithReplay, dlqReplayFromEnv } from '../sinks/dlq.js';

// Workers hand the same env object to every request of an isolate: parse once per env.
const _runtimes = new WeakMap<object, EnvRuntime | ConfigError>();

function _runtimeFor(env: Record<string, unknown>): EnvRuntime | ConfigError {
  let runtime = _runtimes.get(env);
  if (!runtime) {
    try {
      runtime = createRuntimeFromEnv(env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // A Worker has no start-up to stop: say what is wrong once, then refuse every request.
      consoleLogger.error('mailhooks is misconfigured', {
        setting: error.setting,
        error: error.message,
      });
      runtime = error;
    }
    _runtimes.set(env, runtime);
  }
  return runtime;
}

// 503, not 500: SNS keeps retrying, so nothing is lost while the setting is fixed. The body names
// nothing about the configuration (whoever can reach the Worker can read it): the log line does.
const _MISCONFIGURED = new HttpError(
  503,
  'misconfigured',
  "mailhooks is misconfigured; see the Worker's logs",
);

export default {
  fetch: withHealthCheck(async (request: Request, env: Record<string, unknown>) => {
    const runtime = _runtimeFor(env);
    return runtime instanceof ConfigError
      ? errorResponse(_MISCONFIGURED)
      : runtime.handler(request);
  }),

  /**
   * The consumer of MAIL_WEBHOOK_QUEUE: runs the fan-out, acking or retrying each message; with
   * MAIL_WEBHOOK_DLQ_REPLAY=true, also of its dead-letter queue, replayed through the fan-out.
   */
  async queue(batch: MessageBatchLike, env: Record<string, unknown>): Promise<void> {
    const runtime = _runtimeFor(env);
    // Thrown, so Cloudflare retries the whole batch once the settings are fixed.
    if (runtime instanceof ConfigError) throw runtime;
    const replay = dlqReplayFromEnv(env);
    return consumeWithReplay(batch, runtime.consumerSinks, { replay, logger: runtime.logger });
  },
};
