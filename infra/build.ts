/**
 * `npm run build`: builds the local programs (`npm start`'s server and the CLIs) with the one
 * recipe into .build/local, or into `--outdir DIR`. `npm start` and `npm run <program>` do this
 * by themselves when a source changed; this is for images and CI. The container's build stage
 * runs `npm run build -- --outdir /out/dist --program server --onnxruntime --docs-ui`: only the
 * server, and beside it this machine's onnxruntime binary and the API reference's files, laid out
 * as in the Lambda asset.
 */
import { relative } from 'node:path';
import { UsageError, describeFailure, parseCommandLine, wantsHelp } from '../lambda/local/cli';
import { LOCAL_ENTRIES, LOCAL_OUTDIR, buildBundles, buildLocalPrograms, copyDocsUi, copyOnnxRuntime } from './bundling';

const USAGE = `Builds the local programs (npm start's server and the CLIs) as ES modules in chunks, with the
recipe the Lambda asset is built with (infra/bundling.ts), into .build/local (git-ignored) or
--outdir. npm start and npm run <program> rebuild by themselves when a source changed; this is
for container images and CI.

usage:
  npm run build -- [--outdir DIR] [--program ${Object.keys(LOCAL_ENTRIES).join('|')}] [--onnxruntime] [--docs-ui]

  --outdir        where the bundles go (default ${relative(process.cwd(), LOCAL_OUTDIR) || LOCAL_OUTDIR})
  --program       only this program (default: all of them)
  --onnxruntime   also copy this machine's onnxruntime binary beside them, as in the Lambda asset
  --docs-ui       also copy the files GET /docs serves (swagger-ui-dist's bundle and stylesheet)

examples:
  npm run build
  npm run build -- --outdir /out/dist --program server --onnxruntime --docs-ui     # the container's build stage
`;

function build(argv: string[]): void {
  const { values, positionals } = parseCommandLine({
    args: argv,
    allowPositionals: true,
    options: {
      outdir: { type: 'string', default: LOCAL_OUTDIR },
      program: { type: 'string' },
      onnxruntime: { type: 'boolean', default: false },
      'docs-ui': { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 0) throw new UsageError(`takes options only, got '${positionals.join(' ')}'`);
  const { program } = values;
  if (program !== undefined && !(program in LOCAL_ENTRIES)) throw new UsageError(`no program '${program}'; one of ${Object.keys(LOCAL_ENTRIES).join(', ')}`);
  const metafile = program === undefined ? buildLocalPrograms(values.outdir) : buildBundles({ [program]: LOCAL_ENTRIES[program] as string }, values.outdir);
  if (values.onnxruntime) copyOnnxRuntime(values.outdir, process.arch === 'arm64' ? 'arm64' : 'x86_64');
  if (values['docs-ui']) copyDocsUi(values.outdir);
  const bytes = Object.values(metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
  console.log(
    `built ${Object.keys(metafile.outputs).filter((path) => path.endsWith('.mjs')).length} files (${(bytes / 1e6).toFixed(1)} MB) into ${relative(process.cwd(), values.outdir) || '.'}`,
  );
}

const argv = process.argv.slice(2);
if (wantsHelp(argv)) process.stdout.write(USAGE);
else {
  try {
    build(argv);
  } catch (error) {
    const { line, status } = describeFailure('npm run build', 'npm run build -- --help', error);
    process.stderr.write(`${line}\n`);
    process.exitCode = status;
  }
}
