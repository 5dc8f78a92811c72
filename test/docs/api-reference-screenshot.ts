/**
 * `npm run docs:screenshot`: starts npm start, opens GET /docs in headless Chromium (Debian's
 * chromium), runs the try-it-out of `POST /predict/duration` and saves the whole page as
 * docs/api-reference.png (the README links it). test/e2e/protocols/docs-page.test.ts checks the
 * same page in `npm test`.
 */
import { resolve } from 'node:path';
import { openDocs } from '../support/docs-browser';
import { startServer } from '../support/local-programs';

const OUT = resolve(__dirname, '..', '..', 'docs', 'api-reference.png');

async function main(): Promise<void> {
  const server = await startServer();
  try {
    const docs = await openDocs(server.url, { width: 1100, height: 1000 });
    try {
      const { status } = await docs.tryItOut('POST', '/predict/duration');
      if (status !== '200') throw new Error(`the try-it-out answered ${status}`);
      // For a picture of a reasonable height: the reply shown, not the table of documented replies under it.
      await docs.page.addStyleTag({ content: '.responses-table:not(.live-responses-table), .live-responses-table ~ h4, .opblock-body .curl-command, .response-col_description .microlight + h5 ~ * { display: none !important; }' });
      await docs.page.screenshot({ path: OUT, fullPage: true });
      console.log(`saved ${OUT}`);
    } finally {
      await docs.close();
    }
  } finally {
    await server.stop();
  }
}

main().catch((error: Error) => {
  console.error(`docs:screenshot failed: ${error.message}`);
  process.exit(1);
});
