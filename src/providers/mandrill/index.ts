/** Mandrill (Mailchimp Transactional): verify the URL-bound HMAC-SHA1, then parse `mandrill_events`. */

import * as v from 'valibot';
import { badRequest, ConfigError, isHttpError } from '../../errors.js';
import { parseUrl } from '../../parse-url.js';
import { type OptionsInput, string } from '../../schema.js';
import { decodeUtf8 } from '../body-text.js';
import { warnCheckOff } from '../check-off.js';
import { importHmacKeys } from '../hmac.js';
import { commonEntries, parseProviderOptions, secretList } from '../options.js';
import type { BuiltinProvider } from '../registry-types.js';
import { requireSignatureHeader } from '../signature-header.js';
import { NO_EVENTS, type Provider, type ProviderContext, type ProviderInstance } from '../types.js';
import { parseMandrillEvents } from './parse.js';
import { checkMandrillSignature, readForm, SIGNATURE_HEADER } from './verify.js';

const NAME = 'mandrill';

const MandrillOptionsSchema = v.object({
  ...commonEntries,
  webhookKey: v.optional(secretList('webhook key')),
  url: v.optional(
    v.pipe(
      string(),
      // Mandrill signs the URL as configured, which holds no whitespace; `new URL` trims it, so it
      // is refused here: a trailing line break would never match.
      v.check(
        (url) => /^https?:\/\/\S+$/i.test(url) && !!parseUrl(url),
        'expected the full http(s) URL exactly as configured in Mandrill, with no spaces or line breaks',
      ),
    ),
  ),
});

/** Options of `mandrill()`: `webhookKey` and `url` are required unless `verifySignature` is false. */
export type MandrillOptions = OptionsInput<typeof MandrillOptionsSchema>;
type Resolved = v.InferOutput<typeof MandrillOptionsSchema>;

function _start(o: Resolved, context: ProviderContext): ProviderInstance {
  const { logger } = context;
  const url = o.verifySignature ? o.url : undefined;
  if (url === undefined) {
    warnCheckOff(logger, 'Mandrill signature verification', NAME);
  }
  const keys = importHmacKeys(url === undefined ? [] : (o.webhookKey ?? []), 'SHA-1');
  return {
    authenticate:
      url === undefined
        ? undefined
        : requireSignatureHeader([SIGNATURE_HEADER], `the ${SIGNATURE_HEADER} header is missing`),
    async handle(request, body) {
      // Mandrill checks a new webhook URL with a HEAD request.
      if (request.method === 'HEAD') {
        logger.info('Mandrill set-up probe (HEAD) answered', { esp: NAME });
        return NO_EVENTS;
      }
      const type = request.headers.get('content-type') ?? '';
      let fields: Iterable<[string, unknown]>;
      if (/^\s*multipart\/form-data\b/i.test(type)) {
        try {
          fields = await new Response(body as Uint8Array<ArrayBuffer>, {
            headers: { 'content-type': type },
          }).formData();
        } catch {
          return badRequest('invalid-form', 'the multipart/form-data body cannot be read');
        }
      } else {
        const text = decodeUtf8(body);
        if (typeof text !== 'string') return text;
        // Percent-escapes are bytes, and URLSearchParams turns those that are not UTF-8 into
        // U+FFFD silently: refused as any other ESP's body that is not UTF-8.
        try {
          decodeURIComponent(text);
        } catch {
          return badRequest('body-not-utf8', 'the form body is not percent-encoded UTF-8');
        }
        fields = new URLSearchParams(text);
      }
      const form = readForm(fields);
      if (isHttpError(form)) return form;
      if (url !== undefined) {
        const refused = await checkMandrillSignature(request, form, url, keys);
        if (refused) return refused;
      }
      const result = await parseMandrillEvents(
        form.get('mandrill_events') ?? null,
        logger,
        context.now(),
      );
      if (!isHttpError(result) && result.events.length === 0) {
        logger.info('Mandrill batch with no tracking events (a test ping sends [])', { esp: NAME });
      }
      return result;
    },
  };
}

/**
 * Mandrill (Mailchimp Transactional) webhooks, at `POST {basePath}/mandrill` by default.
 * @param options.webhookKey the webhook's key from Mandrill (a list while rotating)
 * @param options.url the webhook URL exactly as entered in Mandrill (Mandrill signs it)
 * @example
 * mandrill({ webhookKey: env.MANDRILL_WEBHOOK_KEY, url: 'https://hooks.example.com/webhooks/mail/mandrill' });
 */
export function mandrill(options: MandrillOptions = {}): Provider {
  const o = parseProviderOptions(NAME, MandrillOptionsSchema, options);
  if (o.verifySignature && !o.webhookKey) {
    throw new ConfigError(
      `${NAME}.webhookKey`,
      "is required: the webhook's key from Mandrill (Settings → Webhooks), or set verifySignature: false",
    );
  }
  if (o.verifySignature && !o.url) {
    throw new ConfigError(
      `${NAME}.url`,
      'is required: the webhook URL exactly as configured in Mandrill, which Mandrill signs',
    );
  }
  return {
    name: NAME,
    path: o.path ?? NAME,
    methods: ['POST', 'HEAD'],
    start: (context) => _start(o, context),
  };
}

/** The registry entry: the factory and how its variables are read. */
export const mandrillProvider: BuiltinProvider = {
  name: NAME,
  create: mandrill,
  settings: { webhookKey: 'secret', url: 'string' },
};
