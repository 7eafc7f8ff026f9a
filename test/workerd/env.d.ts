// The Worker's bindings as the workerd tests see them (wrangler.toml).
declare namespace Cloudflare {
  interface Env {
    MAIL_WEBHOOK_ENABLED: string;
    MAIL_WEBHOOK_BASE_PATH: string;
  }
}
declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import('../../src/adapters/cloudflare');
  }
}
