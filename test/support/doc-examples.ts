import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** A `curl` command shown in a document, with the reply the document shows under it. */
export interface CurlExample {
  /** the command, continuation lines joined */
  readonly command: string;
  /** the `# …` line under it: the reply as shown */
  readonly shown: string;
  /** 1-based line of the command, for failure messages */
  readonly line: number;
}

/**
 * Every `curl` command in a Markdown document's ```bash blocks that is followed by a `# <reply>`
 * line: what a reader would run and what they are told to expect.
 */
export function curlExamples(markdown: string): CurlExample[] {
  const examples: CurlExample[] = [];
  const lines = markdown.split('\n');
  let inBash = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.startsWith('```')) {
      inBash = !inBash && line.trim() === '```bash';
      continue;
    }
    if (!inBash || !line.startsWith('curl ')) continue;
    const start = i;
    let command = line;
    while (command.endsWith('\\') && i + 1 < lines.length) command = `${command.slice(0, -1)} ${(lines[++i] as string).trim()}`;
    const next = lines[i + 1] ?? '';
    if (next.startsWith('# ')) examples.push({ command, shown: next.slice(2), line: start + 1 });
  }
  return examples;
}

/** Runs a shown `curl` command with its `http://127.0.0.1:9696` replaced by `baseUrl`; resolves to what it printed. */
export async function runCurl(example: CurlExample, baseUrl: string): Promise<string> {
  const { stdout } = await exec('sh', ['-c', example.command.replaceAll('http://127.0.0.1:9696', baseUrl)]);
  return stdout;
}

/** An `npm run` command shown in a document, with the `# …` lines under it (what its output must contain). */
export interface NpmExample {
  /** `VAR=value` pairs before the command */
  readonly env: Record<string, string>;
  readonly script: string;
  readonly args: string[];
  readonly shown: string[];
  /** 1-based line of the command */
  readonly line: number;
}

/**
 * Every `npm run <script> -- args` line in a document's ```bash blocks (with any `VAR=value`
 * prefix), and the `# ` lines that follow it. Arguments are split on spaces: the documents quote
 * nothing in these commands.
 */
export function npmExamples(markdown: string): NpmExample[] {
  const examples: NpmExample[] = [];
  const lines = markdown.split('\n');
  let inBash = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.startsWith('```')) {
      inBash = !inBash && line.trim() === '```bash';
      continue;
    }
    const match = inBash ? /^((?:[A-Z_]+=\S+ )*)npm run (\S+)(?: -- (.*))?$/.exec(line) : null;
    if (!match) continue;
    const env = Object.fromEntries((match[1] ?? '').trim().split(' ').filter(Boolean).map((pair) => pair.split('=') as [string, string]));
    const start = i + 1;
    const shown: string[] = [];
    while ((lines[i + 1] ?? '').startsWith('# ')) shown.push((lines[++i] as string).slice(2));
    examples.push({ env, script: match[2] as string, args: (match[3] ?? '').split(' ').filter(Boolean), shown, line: start });
  }
  return examples;
}

/** A program's output line with its timings masked (`in 1.8 s`, `110,165 rows/s`): what a document can show. */
export function withoutTimings(line: string): string {
  return line.replace(/[\d,]+ rows\/s/g, '… rows/s').replace(/\bin [\d.]+ s\b/g, 'in … s');
}
