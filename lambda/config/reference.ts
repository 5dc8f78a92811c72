import { ENV_SLICES } from './index';
import { defaultOf, type EnvVar } from './env';

/** What each slice configures, as the reference's section titles say it. */
const SECTION_TITLES: Readonly<Record<string, string>> = {
  models: 'Models',
  s3: 'S3',
  http: 'Web service (`npm start`, the container)',
  stream: 'Stream (Kinesis)',
  batch: 'Batch job',
  capture: 'Prediction capture',
  monitor: 'Scheduled monitor',
  metrics: 'Metrics',
};

/** Variables that libraries read, not the service's own code: documented beside the others. */
const READ_BY_LIBRARIES: ReadonlyArray<Pick<EnvVar<unknown>, 'name' | 'type' | 'doc'> & { default: string }> = [
  { name: 'POWERTOOLS_LOG_LEVEL', type: 'DEBUG, INFO, WARN, ERROR, SILENT', default: 'INFO', doc: 'Structured JSON logs (Powertools logger).' },
  { name: 'POWERTOOLS_SERVICE_NAME', type: 'text', default: 'ride-duration-prediction', doc: 'The `service` of log lines and metrics (the stack sets it).' },
  {
    name: 'AWS_REGION',
    type: 'region',
    default: '—',
    doc: "The SDK's region. Lambda sets it; an s3:// model on a local S3 server (AWS_ENDPOINT_URL_S3) needs one too, e.g. us-east-1, and credentials (docs/local.md).",
  },
  {
    name: 'AWS_ACCESS_KEY_ID',
    type: 'text',
    default: '—',
    doc: "With AWS_SECRET_ACCESS_KEY: the SDK's credentials (Lambda gives the role's). A local S3 server that checks none still needs dummy ones to sign with, e.g. S3RVER and S3RVER.",
  },
  { name: 'AWS_SECRET_ACCESS_KEY', type: 'text', default: '—', doc: 'See AWS_ACCESS_KEY_ID.' },
  { name: 'NODE_OPTIONS', type: 'node flags', default: '—', doc: '`--enable-source-maps` maps stack traces back to TypeScript (costs ~60 ms of each start).' },
  { name: 'ORT_DISABLE_TELEMETRY', type: '1', default: '1', doc: "onnxruntime's telemetry to Microsoft: the programs and the stack turn it off." },
];

/**
 * docs/configuration.md: every environment variable the service reads, by feature, with its type,
 * its default and what it does, generated from the slices the code parses with
 * (`npm run docs:config` writes it; test/docs/configuration.test.ts checks it is current).
 */
export function configurationReference(): string {
  const lines = [
    '# Configuration',
    '',
    '<!-- Generated from lambda/config/ and infra/context.ts by `npm run docs:config`; test/docs/configuration.test.ts checks it is current. -->',
    '',
    'Every environment variable the Lambda functions, `npm start`, the container and the CLIs read, parsed',
    'once at start (lambda/config/). A value that is not allowed stops start-up with one line naming the',
    'variable and what is allowed. Unset means the default.',
  ];
  for (const [slice, variables] of Object.entries(ENV_SLICES)) {
    lines.push('', `## ${SECTION_TITLES[slice] ?? slice}`, '', '| variable | type | default | meaning |', '| --- | --- | --- | --- |');
    for (const variable of Object.values(variables)) lines.push(row(variable.name, variable.type, shownDefault(defaultOf(variable)), variable.doc));
  }
  lines.push('', '## Read by libraries', '', '| variable | type | default | meaning |', '| --- | --- | --- | --- |');
  for (const variable of READ_BY_LIBRARIES) lines.push(row(variable.name, variable.type, variable.default, variable.doc));
  return `${lines.join('\n')}\n`;
}

function row(name: string, type: string, shown: string, doc: string): string {
  return `| \`${name}\` | ${type} | ${shown} | ${doc.replaceAll('|', '\\|')} |`;
}

function shownDefault(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'number') return `\`${value}\``;
  return `\`${String(value)}\``;
}
