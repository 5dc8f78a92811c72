import type { MonitorSummary } from './monitor-summary';
import type { ReferenceProfile } from './profile-schema';
import { renderChart } from './render-chart';
import { esc, reportSections } from './report-sections';

/** What the report is made from. */
export interface ReportInput {
  title: string;
  summary: MonitorSummary;
  reference: ReferenceProfile;
  current: ReferenceProfile;
}

/** "153,441 rows (46,559 more left out by the source's filter)": exact, never rounded. */
function rowsOf(side: ReportInput['summary']['current']): string {
  const rows = `${side.rows.toLocaleString('en-US')} rows`;
  return side.rows_excluded ? `${rows}; ${side.rows_excluded.toLocaleString('en-US')} more read and left out by its filter, counted in missing values` : rows;
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:980px;color:#222}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}th,td{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}
tr.bad td,tr.bad th{background:#fdecea}.verdict{font-size:16px;font-weight:600}.good{color:#2e7d32}.bad{color:#c62828}
.stats,.meta{color:#666}.warn{color:#8a5300}.chart svg{max-width:100%;height:auto}`;

/**
 * The self-contained HTML report: a header naming both sides, then each section's verdicts,
 * tables and charts (Vega-Lite rendered to inline SVG at report time; no scripts, no fetches).
 */
export async function renderReport(input: ReportInput): Promise<string> {
  const sections = reportSections(input);
  const body: string[] = [];
  for (const section of sections) {
    const svgs: string[] = [];
    for (const spec of section.charts) svgs.push(`<div class="chart">${await renderChart(spec)}</div>`);
    body.push(`<section id="${esc(section.id)}"><h2>${esc(section.title)}</h2>${section.html}${svgs.join('')}</section>`);
  }
  const { summary } = input;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(input.title)}</title><style>${STYLE}</style></head>
<body><h1>${esc(input.title)}</h1>
<p class="meta">Reference: ${esc(summary.reference.source)} (${rowsOf(summary.reference)}) · Current: ${esc(summary.current.source)} (${rowsOf(summary.current)}) · generated ${esc(summary.generated)}</p>
<p class="meta">Drift tests as Evidently's defaults: numbers — K-S p-value &lt; 0.05 when the reference has ≤ 1,000 values, else normed Wasserstein ≥ 0.1; categories — chi-squared p-value &lt; 0.05 up to 1,000, else Jensen–Shannon ≥ 0.1.</p>
${body.join('\n')}
</body></html>
`;
}
