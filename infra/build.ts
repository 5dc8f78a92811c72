/**
 * `npm run build`: builds the local programs (`npm start`'s server and the CLIs) with the one
 * recipe into .build/local, or into `--outdir DIR`. `npm start` and `npm run <program>` do this
 * by themselves when a source changed; this is for images and CI. The container's build stage
 * runs `npm run build -- --outdir /out/dist --program server --onnxruntime --docs-ui`: only the
 * server, and beside it this machine's onnxruntime binary and the API reference's files, laid out
 * as in the Lambda asset.
 */
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { LOCAL_ENTRIES, LOCAL_OUTDIR, buildBundles, buildLocalPrograms, copyDocsUi, copyOnnxRuntime } from './bundling';

const { values } = parseArgs({
  options: { outdir: { type: 'string', default: LOCAL_OUTDIR }, program: { type: 'string' }, onnxruntime: { type: 'boolean', default: false }, 'docs-ui': { type: 'boolean', default: false } },
});
const { program } = values;
if (program !== undefined && !(program in LOCAL_ENTRIES)) {
  console.error(`npm run build: no program '${program}'; one of ${Object.keys(LOCAL_ENTRIES).join(', ')}`);
  process.exit(2);
}
const metafile = program === undefined ? buildLocalPrograms(values.outdir) : buildBundles({ [program]: LOCAL_ENTRIES[program] as string }, values.outdir);
if (values.onnxruntime) copyOnnxRuntime(values.outdir, process.arch === 'arm64' ? 'arm64' : 'x86_64');
if (values['docs-ui']) copyDocsUi(values.outdir);
const bytes = Object.values(metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
console.log(`built ${Object.keys(metafile.outputs).filter((path) => path.endsWith('.mjs')).length} files (${(bytes / 1e6).toFixed(1)} MB) into ${relative(process.cwd(), values.outdir) || '.'}`);
