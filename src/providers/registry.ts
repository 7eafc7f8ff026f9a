/** Every built-in provider, by name: adding an ESP adds a folder and one line here. */
import { brevoProvider } from './brevo/index.js';
import { loopsProvider } from './loops/index.js';
import { mailersendProvider } from './mailersend/index.js';
import { mailgunProvider } from './mailgun/index.js';
import { mailjetProvider } from './mailjet/index.js';
import { mailpaceProvider } from './mailpace/index.js';
import { mailtrapProvider } from './mailtrap/index.js';
import { mandrillProvider } from './mandrill/index.js';
import { postalProvider } from './postal/index.js';
import { postmarkProvider } from './postmark/index.js';
import type { BuiltinProvider } from './registry-types.js';
import { resendProvider } from './resend/index.js';
import { scalewayProvider } from './scaleway/index.js';
import { sendgridProvider } from './sendgrid/index.js';
import { sesProvider } from './ses/index.js';
import { sesEventBridgeProvider } from './ses-eventbridge/index.js';
import { sparkpostProvider } from './sparkpost/index.js';
import { unisenderGoProvider } from './unisender-go/index.js';

export const BUILTIN_PROVIDERS: readonly BuiltinProvider[] = [
  sesProvider,
  resendProvider,
  sendgridProvider,
  mailgunProvider,
  postmarkProvider,
  brevoProvider,
  mailjetProvider,
  sparkpostProvider,
  unisenderGoProvider,
  mailersendProvider,
  mailtrapProvider,
  mandrillProvider,
  postalProvider,
  sesEventBridgeProvider,
  mailpaceProvider,
  loopsProvider,
  scalewayProvider,
];
