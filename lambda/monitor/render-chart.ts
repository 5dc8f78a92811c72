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
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
