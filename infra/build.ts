/**
 * `npm run build`: builds the local programs (`npm start`'s server and the CLIs) with the one
 * recipe into .build/local, or into `--outdir DIR` (the container's build stage). `npm start`
 * and `npm run <program>` do this by themselves when a source changed; this is for images and CI.
 */
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { LOCAL_OUTDIR, buildLocalPrograms } from './bundling';

const { values } = parseArgs({ options: { outdir: { type: 'string', default: LOCAL_OUTDIR } } });
const metafile = buildLocalPrograms(values.outdir);
const bytes = Object.values(metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
console.log(`built ${Object.keys(metafile.outputs).filter((path) => path.endsWith('.mjs')).length} files (${(bytes / 1e6).toFixed(1)} MB) into ${relative(process.cwd(), values.outdir) || '.'}`);
