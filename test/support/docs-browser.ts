import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`), as the monitoring report's check uses it. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the page cannot be opened here, or undefined when it can; under CI (`CI` set), where .ci/run installs chromium, its absence throws. */
export function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const why = `${CHROMIUM} is not installed (apt-get install chromium, or set CHROMIUM_PATH)`;
  if (process.env.CI) throw new Error(`CI opens /docs in Chromium: ${why}`);
  return why;
}

/** The API reference open in headless Chromium, with every request the page made. */
export interface DocsPage {
  readonly page: Page;
  /** every URL the page requested, in order */
  readonly requested: readonly string[];
  /** every path the page lists, as `METHOD /path` */
  operations(): Promise<string[]>;
  /** Expands one operation, presses "Try it out" then "Execute" with its example, and reads the reply shown and the request the page sent. */
  tryItOut(method: string, path: string): Promise<{ status: string; body: string; sent: { url: string; contentType?: string; body?: string } }>;
  close(): Promise<void>;
}

/**
 * Opens `<baseUrl>/docs` in headless Chromium (the flags test/report/report-browser.ts uses) and
 * waits until Swagger UI has drawn the operations of /openapi.json.
 */
export async function openDocs(baseUrl: string, viewport = { width: 1280, height: 1000 }): Promise<DocsPage> {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-docs-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport,
  });
  const requested: string[] = [];
  const posts: { url: string; contentType?: string; body?: string }[] = [];
  try {
    const page = await context.newPage();
    page.on('request', (request) => {
      requested.push(request.url());
      if (request.method() === 'POST')
        posts.push({ url: request.url(), contentType: request.headers()['content-type'], body: request.postData() ?? undefined });
    });
    await page.goto(`${baseUrl}/docs`);
    await page.waitForSelector('.opblock-summary-path', { timeout: 30_000 });
    return {
      page,
      requested,
      operations: () =>
        page.$$eval('.opblock', (blocks) =>
          blocks.map(
            (block) =>
              `${block.querySelector('.opblock-summary-method')?.textContent?.trim()} ${block.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`,
          ),
        ),
      async tryItOut(method, path) {
        const block = page
          .locator('.opblock', { has: page.locator(`.opblock-summary-path[data-path="${path}"]`) })
          .filter({ has: page.locator(`.opblock-summary-method:text-is("${method}")`) });
        await block.locator('.opblock-summary').first().click();
        await block.locator('button.try-out__btn').click();
        await block.locator('button.execute').click();
        const status = block.locator('.live-responses-table tr.response .response-col_status').first();
        await status.waitFor({ timeout: 30_000 });
        return {
          status: (await status.textContent())?.trim() ?? '',
          body: (await block.locator('.live-responses-table tr.response .response-col_description pre').first().textContent()) ?? '',
          sent: posts.at(-1) ?? { url: '' },
        };
      },
      close: async () => {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}
