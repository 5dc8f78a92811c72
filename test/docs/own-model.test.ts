import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { curlExamples, runCurl } from '../support/doc-examples';
import { ROOT, startServer, type RunningServer } from '../support/local-programs';

/**
 * docs/own-model.md shows the fare recipe's commands and replies. Its model is the zoo's `recipe`
 * graph (test/fixtures/zoo, skl2onnx's output for exactly that pipeline), standing where the
 * recipe writes it, so every reply shown is what `npm start` answers.
 */
const DOC = readFileSync(join(ROOT, 'docs', 'own-model.md'), 'utf8');
const examples = curlExamples(DOC);

let server: (RunningServer & { url: string }) | undefined;
beforeAll(async () => {
  // The doc's own `npm start` line, with the recipe's output file where the recipe writes it.
  const start = /^MODELS=(\S+) npm start$/m.exec(DOC);
  if (!start) throw new Error('docs/own-model.md shows no `MODELS=… npm start` line');
  server = await startServer({ MODELS: (start[1] as string).replace('models/fare/model.onnx', 'test/fixtures/zoo/recipe/model.onnx') });
});
afterAll(() => server?.stop());

describe('docs/own-model.md', () => {
  it('shows at least the four replies of the fare recipe', () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
  });

  it.each(examples.map((example) => [example.line, example] as const))('line %i: the command answers the reply shown', async (_, example) => {
    const printed = await runCurl(example, server?.url as string);

    expect(JSON.parse(printed)).toEqual(JSON.parse(example.shown));
  });
});
