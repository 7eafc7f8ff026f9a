/** Every ESP `mailhooks send` can imitate, by name: adding one is one entry here and its file. */
import { mailersendSamples } from './mailersend.js';
import { mailgunSamples } from './mailgun.js';
import { postmarkSamples } from './postmark.js';
import { resendSamples } from './resend.js';
import { sendgridSamples } from './sendgrid.js';
import { sesSamples } from './ses.js';
import type { CliProvider } from './types.js';

export const CLI_PROVIDERS: readonly CliProvider[] = [
  sesSamples,
  resendSamples,
  sendgridSamples,
  mailgunSamples,
  postmarkSamples,
  mailersendSamples,
];

export const cliProvider = (name: string): CliProvider | undefined =>
  CLI_PROVIDERS.find((provider) => provider.name === name);

export type { CliProvider, Credentials, SampleContext, SignedRequest } from './types.js';
