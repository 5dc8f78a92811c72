// `npm run batch`: runs lambda/local/batch-cli.ts as one prebuilt JavaScript bundle in this
// process (built by start.cjs's recipe when stale), not under tsx. tsx runs a script in a child
// process and, when a stop signal reaches it, SIGKILLs that child unless it answers within
// ~60 ms; a batch job's main thread is busy for longer than that most of the time (scoring and
// encoding a chunk), so the child died without removing its staging file (issue 26).
// package.json starts this with `exec` so that npm's child is this process itself rather than a
// shell that a Ctrl-C ends at once: npm then returns only after the job has cleaned up.
'use strict';
const { ensureBundle } = require('./start.cjs');

process.argv[1] = ensureBundle('lambda/local/batch-cli.ts');
require('node:module').runMain();
