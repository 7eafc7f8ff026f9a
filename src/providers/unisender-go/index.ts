/** Unisender Go: the body's `auth` (MD5 with the API key in its place) is checked, then the events parsed. */

import * as v from 'valibot';
import { ConfigError, isHttpError } from '../../errors.js';
import type { OptionsInput } from '../../schema.js';
import { parseJsonBody } from '../body-text.js';
import { warnCheckOff } from '../check-off.js';
import { commonEntries, parseProviderOptions, secretList } from '../options.js';
import type { BuiltinProvider } from '../registry-types.js';
import type { Provider, ProviderContext, ProviderInstance } from '../types.js';
import { parseUnisenderBody } from './parse.js';
import { checkUnisenderAuth } from './verify.js';

const NAME = 'unisender-go';

const UnisenderGoOptionsSchema = v.object({
  ...commonEntries,
  apiKey: v.optional(secretList('API key')),
});

/** Options of `unisenderGo()`: `apiKey` is required unless `verifySignature` is false. */
export type UnisenderGoOptions = OptionsInput<typeof UnisenderGoOptionsSchema>;

function _start(
  apiKeys: readonly string[] | undefined,
  context: ProviderContext,
): ProviderInstance {
  const { logger, now } = context;
  if (!apiKeys) {
    warnCheckOff(logger, 'Unisender Go signature verification', NAME);
  }
  return {
    async handle(request, body) {
      // Unisender Go checks the URL with a GET when the webhook is saved (HEAD as GET does).
      if (request.method !== 'POST') {
        logger.info(`Unisender Go set-up probe (${request.method}) answered`, { esp: NAME });
        return { events: [] };
      }
      const json = parseJsonBody(body);
      if (isHttpError(json)) return json;
      const refused = apiKeys && (await checkUnisenderAuth(json, body, apiKeys));
      return refused || parseUnisenderBody(json, body, now, logger);
    },
  };
}

/**
 * Unisender Go's transactional webhooks, in either form (`events_by_user` batches or "use
 * single event"), verified with the API key of the user or project the webhook belongs to.
 * @example
 * createMailWebhookHandler({ providers: [unisenderGo({ apiKey: env.UNISENDER_GO_API_KEY })] });
 */
export function unisenderGo(options: UnisenderGoOptions = {}): Provider {
  const o = parseProviderOptions(NAME, UnisenderGoOptionsSchema, options);
  if (o.verifySignature && !o.apiKey) {
    throw new ConfigError(
      `${NAME}.apiKey`,
      'is required: the API key of the Unisender Go user or project whose webhook this is (it signs each request), or set verifySignature: false',
    );
  }
  const apiKeys = o.verifySignature ? o.apiKey : undefined;
  return {
    name: NAME,
    path: o.path ?? NAME,
    methods: ['POST', 'GET', 'HEAD'],
    start: (context) => _start(apiKeys, context),
  };
}

/** The registry entry: the factory and how its variables are read. */
export const unisenderGoProvider: BuiltinProvider = {
  name: NAME,
  create: unisenderGo,
  settings: { apiKey: 'secret' },
};
