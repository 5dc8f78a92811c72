import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

/** A Vega-Lite specification (the charts are declared, not drawn by hand). */
export type ChartSpec = vegaLite.TopLevelSpec;

/**
 * Compiles a Vega-Lite spec with vega-lite and renders it headless with vega to an SVG string
 * (no browser, no canvas: text widths are vega's estimates), so the report needs no scripts.
 *
 * @example await renderChart({ data: { values: [{ a: 'x', b: 1 }] }, mark: 'bar', encoding: { x: { field: 'a' }, y: { field: 'b', type: 'quantitative' } } })
 */
export async function renderChart(spec: ChartSpec): Promise<string> {
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none', logLevel: vega.None });
  try {
    return await view.toSVG();
  } catch (error) {
    // vega cannot lay out every domain (an axis over subnormal values such as 4e-323 asks for an
    // impossible number of ticks): the report says so in place of the chart instead of failing.
    return unrenderable((error as Error).message);
  } finally {
    view.finalize();
  }
}

function unrenderable(reason: string): string {
  const text = `chart not drawn: ${reason}`.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="24"><text x="4" y="16" font-size="12">${text}</text></svg>`;
}
