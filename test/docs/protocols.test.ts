import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { curlExamples, pythonExamples, runCurl, runPython } from '../support/doc-examples';
import { ROOT, startServer, type RunningServer } from '../support/local-programs';
import { PYTHON, pythonClientMissing } from '../support/python-client';

/**
 * docs/protocols.md shows how to call each protocol, with curl and with Python (requests and
 * pandas); each command here runs against `npm start` with the shipped models and must print
 * the reply the document shows under it.
 */
const DOC = readFileSync(join(ROOT, 'docs', 'protocols.md'), 'utf8');
const curls = curlExamples(DOC);
const pythons = pythonExamples(DOC);
const missingPython = pythonClientMissing();

let server: (RunningServer & { url: string }) | undefined;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

/** A JSON reply compared as JSON; anything else (a version) as the text shown. */
function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.trim();
  }
}

describe('docs/protocols.md', () => {
  it('shows curl replies for OIP v2 and MLflow, and Python examples for both', () => {
    expect(curls.filter((e) => e.command.includes('/v2/')).length).toBeGreaterThanOrEqual(4);
    expect(curls.filter((e) => e.command.includes('/invocations')).length).toBeGreaterThanOrEqual(4);
    expect(pythons).toHaveLength(2);
  });

  it.each(curls.map((example) => [example.line, example] as const))('line %i: the curl command answers the reply shown', async (_, example) => {
    const printed = await runCurl(example, server?.url as string);

    expect(parsed(printed)).toEqual(parsed(example.shown));
  });

  (missingPython ? it.skip : it).each(pythons.map((example) => [example.line, example] as const))('line %i: the Python example prints what is shown', async (_, example) => {
    const printed = await runPython(example, PYTHON, server?.url as string);

    expect(printed).toBe(example.shown);
  });
});
