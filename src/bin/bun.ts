/** The packaged Bun server: `bun src/bin/bun.ts`. */
import { logStartupFailure } from '../adapters/_server.js';
import { serve } from '../adapters/bun.js';

declare const process: { exit(code: number): never };

try {
  const server = serve();
  await server.ready;
  await server.finished;
  process.exit(0);
} catch (error) {
  logStartupFailure(error);
  process.exit(1);
}
