// The Worker's bindings as the workerd tests see them (wrangler.toml, vitest.config.ts).
declare namespace Cloudflare {
  interface Env {
    MAIL_WEBHOOK_ENABLED: string;
    MAIL_WEBHOOK_BASE_PATH: string;
    MAIL_WEBHOOK_SINKS: string;
    MAIL_WEBHOOK_QUEUE: Queue;
    STORE_TEST_DB: D1Database;
    STORE_MIGRATED_DB: D1Database;
    STORE_MIGRATIONS: import('cloudflare:test').D1Migration[];
  }
}
declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import('../../src/adapters/cloudflare');
  }
}
