/** The packaged Deno server: `deno run --allow-net --allow-env src/bin/deno.ts`. */
import { logStartupFailure } from '../adapters/_server.js';
import { serve } from '../adapters/deno.js';

declare const Deno: { exit(code: number): never };

try {
  const server = serve();
  await server.ready;
  await server.finished;
  Deno.exit(0);
} catch (error) {
  logStartupFailure(error);
  Deno.exit(1);
}
