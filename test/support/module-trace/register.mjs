// Preloaded with `--import` into a process under test (MODULE_TRACE_FILE set): records the URL of
// every ES module the process loads, one per line, so a test can tell which of a bundle's chunks
// a run reached. It observes only; the code under test is the shipped bundle, unchanged.
import { register } from 'node:module';

register(new URL('./hooks.mjs', import.meta.url), { data: { file: process.env.MODULE_TRACE_FILE } });
