/**
 * A Worker with the first-wave providers only (SES, Resend, SendGrid, Mailgun, Postmark): the
 * others are left out of the bundle, which keeps it under the 40 KB gzip budget with the store
 * and every sink. Point `main` in wrangler.toml at a file like this one.
 *
 * In your project the imports below read `from 'mailhooks/cloudflare'` and `from 'mailhooks/env'`;
 * here they point at the source so the bundle test builds this very file.
 */
import { createWorker } from '../src/adapters/cloudflare.js';
import {
  mailgunProvider,
  postmarkProvider,
  resendProvider,
  sendgridProvider,
  sesProvider,
} from '../src/env/index.js';

export default createWorker([
  sesProvider,
  resendProvider,
  sendgridProvider,
  mailgunProvider,
  postmarkProvider,
]);
