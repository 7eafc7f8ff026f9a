/** Every ESP `mailhooks send` can imitate, by name: adding one is one entry here and its file. */
import { brevoSamples } from './brevo.js';
import { loopsSamples } from './loops.js';
import { mailersendSamples } from './mailersend.js';
import { mailgunSamples } from './mailgun.js';
import { mailjetSamples } from './mailjet.js';
import { mailpaceSamples } from './mailpace.js';
import { mailtrapSamples } from './mailtrap.js';
import { mandrillSamples } from './mandrill.js';
import { postalSamples } from './postal.js';
import { postmarkSamples } from './postmark.js';
import { resendSamples } from './resend.js';
import { scalewaySamples } from './scaleway.js';
import { sendgridSamples } from './sendgrid.js';
import { sesSamples } from './ses.js';
import { sesEventBridgeSamples } from './ses-eventbridge.js';
import { sparkpostSamples } from './sparkpost.js';
import type { CliProvider } from './types.js';
import { unisenderGoSamples } from './unisender-go.js';

export const CLI_PROVIDERS: readonly CliProvider[] = [
  sesSamples,
  resendSamples,
  sendgridSamples,
  mailgunSamples,
  postmarkSamples,
  brevoSamples,
  mailjetSamples,
  sparkpostSamples,
  unisenderGoSamples,
  mailersendSamples,
  mailtrapSamples,
  mandrillSamples,
  postalSamples,
  sesEventBridgeSamples,
  mailpaceSamples,
  loopsSamples,
  scalewaySamples,
];

export const cliProvider = (name: string): CliProvider | undefined =>
  CLI_PROVIDERS.find((provider) => provider.name === name);

export type { CliProvider, Credentials, SampleContext, SignedRequest } from './types.js';
