/** Every built-in provider but Scaleway (its trust anchors are required), checks off, so any body reaches its parser. */
import * as mailhooks from '../../src/index.js';

const off = { verifySignature: false } as const;

export const unverifiedProviders = () => [
  mailhooks.ses(off),
  mailhooks.resend(off),
  mailhooks.sendgrid(off),
  mailhooks.mailgun(off),
  mailhooks.postmark(off),
  mailhooks.brevo(off),
  mailhooks.mailjet(off),
  mailhooks.sparkpost(off),
  mailhooks.unisenderGo(off),
  mailhooks.mailersend(off),
  mailhooks.mailtrap(off),
  mailhooks.mandrill(off),
  mailhooks.postal(off),
  mailhooks.sesEventBridge(off),
  mailhooks.mailpace(off),
  mailhooks.loops(off),
];
