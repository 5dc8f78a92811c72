// A fresh node process as Lambda's runtime would start it, minus the runtime client: load the
// asset's handler, hand it one API Gateway POST /predict, and report when each phase ended. Run by
// bench/sections/lambda-cold-start.ts (plain JavaScript: nothing may be transpiled on this path).
//   node cold-start-driver.js <asset dir> <event json>
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const mark = (name, at = performance.now()) => ({ name, at, cpu: cpuMs() });
const [assetDir, eventJson] = process.argv.slice(2);
const marks = [mark('process start → user code')];
// onnxruntime-node is what the bundle requires first among the native pieces; loading it here,
// from the asset's own node_modules, times it apart from the bundle's module evaluation.
require(join(assetDir, 'node_modules', 'onnxruntime-node'));
marks.push(mark('onnxruntime-node load (native addon)'));
// The asset's entry: index.mjs (an ES module with chunks, as infra/bundling.ts builds it) or, for
// the one-file variants, index.js; either way what Lambda's `index.handler` resolves to.
const esm = join(assetDir, 'index.mjs');
const load = existsSync(esm) ? import(pathToFileURL(esm).href) : Promise.resolve(require(join(assetDir, 'index.js')));
load
  .then(({ handler }) => {
    marks.push(mark("init: module evaluation (the asset's entry awaits the models here)"));
    return handler(JSON.parse(eventJson), undefined);
  })
  .then(
    (reply) => {
      marks.push(mark('first invocation'));
      process.stderr.write(`COLD-START ${JSON.stringify({ marks, statusCode: reply.statusCode, body: reply.body })}\n`);
      process.exit(0);
    },
    (error) => {
      process.stderr.write(`COLD-START-FAILED ${error && error.stack}\n`);
      process.exit(1);
    },
  );
