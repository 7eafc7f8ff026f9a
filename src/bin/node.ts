/** The packaged Node server: `node dist/bin/node.js` (after `npm run build`). */
import { runServer } from '../adapters/_server.js';
import { serve } from '../adapters/node.js';

await runServer(serve, (code) => process.exit(code));
