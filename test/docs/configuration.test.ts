import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configurationDocument } from '../../infra/configuration-doc';
import { CONTEXT_KEYS } from '../../infra/context';
import { DEFAULT_SETTINGS } from '../../infra/settings';
import { ENV_SLICES } from '../../lambda/config';
import { ROOT } from '../support/local-programs';

/** docs/configuration.md is generated from the code's own slices; a variable added or changed in code must show there. */
describe('docs/configuration.md', () => {
  const committed = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');

  it('is what `npm run docs:config` generates from lambda/config/ and infra/context.ts today', () => {
    expect(committed).toBe(configurationDocument());
  });

  it('lists every variable the code reads', () => {
    const names = Object.values(ENV_SLICES).flatMap((slice) => Object.values(slice).map((variable) => variable.name));
    for (const name of new Set(names)) expect(committed).toContain(`| \`${name}\` |`);
  });

  it('lists every CDK context key the stack reads, with its default', () => {
    for (const key of CONTEXT_KEYS) expect(committed).toMatch(new RegExp(`^\\| \`${key}\` \\| [^|]+ \\| [^|]+ \\| .+ \\|$`, 'm'));
    expect(committed).toContain(`| \`predictMemoryMb\` | integer 128–10240 (MB) | \`${DEFAULT_SETTINGS.predictMemoryMb}\` |`);
  });

  it('says what an s3:// model on a local S3 server needs: a region and credentials', () => {
    expect(committed).toMatch(/^\| `AWS_REGION` \|.*local S3 server.*\|$/m);
    expect(committed).toMatch(/^\| `AWS_ACCESS_KEY_ID` \|.*dummy.*\|$/m);
  });
});
