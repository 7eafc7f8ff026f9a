/**
 * Every built-in provider mounted with its credentials, and requests signed for it the way the
 * `mailhooks send` command signs them: right, wrong, or carrying a given payload.
 */
import { generateTestKeys, KEY_SPECS } from '../../src/cli/keys.js';
import { type Credentials, cliProvider } from '../../src/cli/samples/index.js';
import {
  brevo,
  loops,
  mailersend,
  mailgun,
  mailjet,
  mailpace,
  mailtrap,
  mandrill,
  type Provider,
  postal,
  postmark,
  resend,
  scaleway,
  sendgrid,
  ses,
  sesEventBridge,
  sparkpost,
  unisenderGo,
} from '../../src/index.js';
import { routeOf } from '../helpers/provider-harness.js';

export interface Mount {
  readonly provider: Provider;
  /** What the ESP would sign with; `wrong` what a forger guesses. */
  readonly credentials: Credentials;
  readonly wrong: Credentials | undefined;
  /** Every secret configured or sent: none may appear in a log line. */
  readonly secrets: readonly string[];
}

const _key = async (name: string) =>
  generateTestKeys(KEY_SPECS[name] as NonNullable<(typeof KEY_SPECS)[string]>);
const [sendgridKeys, postalKeys, mailpaceKeys, otherSendgrid, otherPostal, otherMailpace] =
  await Promise.all(['sendgrid', 'postal', 'mailpace', 'sendgrid', 'postal', 'mailpace'].map(_key));

const WHSEC = `whsec_${btoa('on-call-resend-secret-32-bytes!!')}`;
const WHSEC_WRONG = `whsec_${btoa('a-forgers-guess-of-32-bytes-long')}`;
const LOOPS = `whsec_${btoa('on-call-loops-secret-of-32-bytes')}`;

function _mount(
  provider: Provider,
  credentials: Credentials,
  wrong: Credentials | undefined,
  secrets: string[],
): Mount {
  const sent = [credentials, wrong].flatMap((c) =>
    c ? [c.secret, c.password, c.token, c.header?.value].filter((s) => s !== undefined) : [],
  );
  return { provider, credentials, wrong, secrets: [...new Set([...secrets, ...sent])] };
}

export const MOUNTS: Readonly<Record<string, Mount>> = {
  ses: _mount(
    ses({ verifySignature: false, secret: 'oncall-ses-basic-secret' }),
    { password: 'oncall-ses-basic-secret' },
    { password: 'oncall-wrong-ses-secret' },
    [],
  ),
  resend: _mount(resend({ secret: WHSEC }), { secret: WHSEC }, { secret: WHSEC_WRONG }, []),
  sendgrid: _mount(
    sendgrid({ publicKey: sendgridKeys?.publicKey as string }),
    { privateKey: sendgridKeys?.privateKeyPem },
    { privateKey: otherSendgrid?.privateKeyPem },
    [],
  ),
  mailgun: _mount(
    mailgun({ signingKey: 'oncall-mailgun-signing-key' }),
    { secret: 'oncall-mailgun-signing-key' },
    { secret: 'oncall-wrong-mailgun-key' },
    [],
  ),
  postmark: _mount(
    postmark({ password: 'oncall-postmark-password' }),
    { password: 'oncall-postmark-password' },
    { password: 'oncall-wrong-postmark-password' },
    [],
  ),
  brevo: _mount(
    brevo({ token: 'oncall-brevo-token' }),
    { token: 'oncall-brevo-token' },
    { token: 'oncall-wrong-brevo-token' },
    [],
  ),
  mailjet: _mount(
    mailjet({ username: 'mailjet', password: 'oncall-mailjet-password' }),
    { username: 'mailjet', password: 'oncall-mailjet-password' },
    { username: 'mailjet', password: 'oncall-wrong-mailjet-password' },
    [],
  ),
  sparkpost: _mount(
    sparkpost({ header: 'X-Webhook-Key', value: 'oncall-sparkpost-value' }),
    { header: { name: 'X-Webhook-Key', value: 'oncall-sparkpost-value' } },
    { header: { name: 'X-Webhook-Key', value: 'oncall-wrong-sparkpost-value' } },
    [],
  ),
  'unisender-go': _mount(
    unisenderGo({ apiKey: 'oncall-unisender-api-key' }),
    { secret: 'oncall-unisender-api-key' },
    { secret: 'oncall-wrong-unisender-key' },
    [],
  ),
  mailersend: _mount(
    mailersend({ secret: 'oncall-mailersend-secret' }),
    { secret: 'oncall-mailersend-secret' },
    { secret: 'oncall-wrong-mailersend-secret' },
    [],
  ),
  mailtrap: _mount(
    mailtrap({ secret: 'oncall-mailtrap-secret' }),
    { secret: 'oncall-mailtrap-secret' },
    { secret: 'oncall-wrong-mailtrap-secret' },
    [],
  ),
  mandrill: _mount(
    mandrill({ webhookKey: 'oncall-mandrill-key', url: routeOf('mandrill') }),
    { secret: 'oncall-mandrill-key' },
    { secret: 'oncall-wrong-mandrill-key' },
    [],
  ),
  postal: _mount(
    postal({ publicKey: postalKeys?.publicKey as string }),
    { privateKey: postalKeys?.privateKeyPem },
    { privateKey: otherPostal?.privateKeyPem },
    [],
  ),
  'ses-eventbridge': _mount(
    sesEventBridge({ token: 'oncall-eventbridge-token' }),
    { token: 'oncall-eventbridge-token' },
    { token: 'oncall-wrong-eventbridge-token' },
    [],
  ),
  mailpace: _mount(
    mailpace({ publicKey: mailpaceKeys?.publicKey as string }),
    { privateKey: mailpaceKeys?.privateKeyPem },
    { privateKey: otherMailpace?.privateKeyPem },
    [],
  ),
  loops: _mount(loops({ secret: LOOPS }), { secret: LOOPS }, { secret: WHSEC_WRONG }, []),
  // Signed with Scaleway's own certificates only: tried here unverified, as the command sends it.
  scaleway: _mount(scaleway({ verifySignature: false }), {}, undefined, []),
};

/** A request as `name`'s ESP sends it: `payload` (default: one delivered event) signed with `credentials`. */
export async function signedRequest(
  name: string,
  options: { credentials?: Credentials; payload?: unknown; recipient?: string } = {},
): Promise<{ headers: Record<string, string>; body: string }> {
  const cli = cliProvider(name);
  const mount = MOUNTS[name];
  if (!cli || !mount) throw new Error(`no provider ${name}`);
  const now = new Date();
  const build = cli.events.delivered ?? Object.values(cli.events)[0];
  const payload =
    'payload' in options
      ? options.payload
      : build?.({ recipients: [options.recipient ?? 'jane@example.com'], now })[0];
  return cli.sign(
    payload,
    options.credentials ?? mount.credentials,
    now,
    routeOf(mount.provider.path),
  );
}
