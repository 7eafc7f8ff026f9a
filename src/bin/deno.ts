/** The packaged Deno server: `deno run --allow-net --allow-env src/bin/deno.ts`. */
import { runServer } from '../adapters/_server.js';
import { serve } from '../adapters/deno.js';

declare const Deno: { exit(code: number): never };

await runServer(serve, (code) => Deno.exit(code));
