/** Every built-in provider, by name: adding an ESP adds a folder and one line here. */
import { loopsProvider } from './loops/index.js';
import { mailersendProvider } from './mailersend/index.js';
import { mailgunProvider } from './mailgun/index.js';
import { mailpaceProvider } from './mailpace/index.js';
import { postmarkProvider } from './postmark/index.js';
import type { BuiltinProvider } from './registry-types.js';
import { resendProvider } from './resend/index.js';
import { scalewayProvider } from './scaleway/index.js';
import { sendgridProvider } from './sendgrid/index.js';
import { sesProvider } from './ses/index.js';
import { sesEventBridgeProvider } from './ses-eventbridge/index.js';

export const BUILTIN_PROVIDERS: readonly BuiltinProvider[] = [
  sesProvider,
  resendProvider,
  sendgridProvider,
  mailgunProvider,
  postmarkProvider,
  mailersendProvider,
  loopsProvider,
  mailpaceProvider,
  sesEventBridgeProvider,
  scalewayProvider,
];
