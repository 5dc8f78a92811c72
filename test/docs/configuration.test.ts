import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configurationReference } from '../../lambda/config/reference';
import { ENV_SLICES } from '../../lambda/config';
import { ROOT } from '../support/local-programs';

/** docs/configuration.md is generated from the code's own slices; a variable added or changed in code must show there. */
describe('docs/configuration.md', () => {
  const committed = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');

  it('is what `npm run docs:config` generates from lambda/config/ today', () => {
    expect(committed).toBe(configurationReference());
  });

  it('lists every variable the code reads', () => {
    const names = Object.values(ENV_SLICES).flatMap((slice) => Object.values(slice).map((variable) => variable.name));
    for (const name of new Set(names)) expect(committed).toContain(`| \`${name}\` |`);
  });
});
