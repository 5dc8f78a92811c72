import { CONTEXT_DOCS, CONTEXT_KEYS } from './context';
import { DEFAULT_SETTINGS, PRESETS } from './settings';

/**
 * The CDK context section of docs/configuration.md: every key `cdk deploy -c key=value` (or
 * cdk.json) takes, with its type, its default and what it does, from infra/context.ts (the keys,
 * their limits and meanings) and infra/settings.ts (the defaults and presets).
 */
export function contextReference(): string {
  const lines = [
    '## CDK context (`cdk deploy -c key=value`)',
    '',
    'Every key the stack reads, given as `-c key=value` or in `cdk.json`, checked before anything is',
    'synthesized (infra/context.ts): a value out of range, or a key the stack does not read, stops the',
    'synth with one line naming it (`-c shardcount=1` → did you mean `shardCount`?). What a deploy',
    'creates and costs: [deploy.md](deploy.md).',
    '',
    '| key | type | default | meaning |',
    '| --- | --- | --- | --- |',
  ];
  for (const key of CONTEXT_KEYS) {
    const { type, doc, unset } = CONTEXT_DOCS[key as keyof typeof CONTEXT_DOCS];
    lines.push(`| \`${key}\` | ${type} | ${shownDefault(key, unset)} | ${doc.replaceAll('|', '\\|')} |`);
  }
  const presets = Object.entries(PRESETS).map(
    ([name, values]) =>
      `\`${name}\`: ${Object.entries(values)
        .map(([key, value]) => `\`${key}=${String(value)}\``)
        .join(', ')}`,
  );
  lines.push('', `Presets: ${presets.join('; ')}. A key given explicitly wins over the preset's.`);
  return `${lines.join('\n')}\n`;
}

/** DEFAULT_SETTINGS' value, unless the key's documentation says what it means when not given. */
function shownDefault(key: string, unset: string | undefined): string {
  const value = (DEFAULT_SETTINGS as unknown as Record<string, unknown>)[key];
  if (unset !== undefined) return unset;
  if (value === undefined) return '—';
  return `\`${Array.isArray(value) ? value.join(',') : String(value)}\``;
}
