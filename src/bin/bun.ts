/** The packaged Bun server: `bun src/bin/bun.ts`. */
import { runServer } from '../adapters/_server.js';
import { serve } from '../adapters/bun.js';

declare const process: { exit(code: number): never };

await runServer(serve, (code) => process.exit(code));
