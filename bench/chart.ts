import type { HttpPoint } from './sections/http';

/**
 * One SVG, two panels: req/s and p99 latency by connection count, one line per server
 * configuration (ours in blues, the course's in oranges). Both y axes are logarithmic so a
 * 20× gap and a 2× gap are both readable. Every number in it comes from `points`.
 */
export function renderHttpChart(points: readonly HttpPoint[], subtitle: string): string {
  const connections = [...new Set(points.map((p) => p.connections))].sort((a, b) => a - b);
  const configs = [...new Map(points.map((p) => [p.config, p])).values()];
  const width = 960;
  const height = 420;
  const panel = { top: 60, bottom: 330, width: 360 };
  const lefts = [80, 560];
  const oursColours = ['#1f4e9c', '#4f8fe0', '#9cc3f5'];
  const peerColours = ['#b3470f', '#e8822e', '#f3b77a'];
  let ours = 0;
  let peer = 0;
  const colour = new Map(configs.map((c) => [c.config, c.side === 'ours' ? oursColours[ours++ % 3] : peerColours[peer++ % 3]]));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + 22 * Math.ceil(configs.length / 2)}" font-family="sans-serif" font-size="12">`,
    '<rect width="100%" height="100%" fill="white"/>',
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">POST /predict: ours vs the course's Flask + gunicorn</text>`,
    `<text x="${width / 2}" y="40" text-anchor="middle" fill="#555">${escape(subtitle)}</text>`,
  ];
  const metrics: { key: 'requestsPerSecond' | 'p99Ms'; title: string }[] = [
    { key: 'requestsPerSecond', title: 'requests/s (log scale, higher is better)' },
    { key: 'p99Ms', title: 'p99 latency, ms (log scale, lower is better)' },
  ];
  metrics.forEach((metric, m) => {
    const left = lefts[m] as number;
    const values = points.map((p) => p[metric.key]).filter((v) => v > 0);
    const lo = Math.floor(Math.log10(Math.min(...values)));
    const hi = Math.ceil(Math.log10(Math.max(...values)));
    const y = (v: number) => panel.bottom - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / Math.max(1, hi - lo)) * (panel.bottom - panel.top);
    const x = (c: number) => left + ((connections.indexOf(c) + 0.5) / connections.length) * panel.width;
    parts.push(`<text x="${left + panel.width / 2}" y="${panel.top - 8}" text-anchor="middle" font-weight="bold">${metric.title}</text>`);
    for (let e = lo; e <= hi; e++) {
      parts.push(`<line x1="${left}" x2="${left + panel.width}" y1="${y(10 ** e)}" y2="${y(10 ** e)}" stroke="#ddd"/>`);
      parts.push(`<text x="${left - 6}" y="${y(10 ** e) + 4}" text-anchor="end">${tick(10 ** e)}</text>`);
    }
    parts.push(`<rect x="${left}" y="${panel.top}" width="${panel.width}" height="${panel.bottom - panel.top}" fill="none" stroke="#888"/>`);
    for (const c of connections) parts.push(`<text x="${x(c)}" y="${panel.bottom + 18}" text-anchor="middle">${c}</text>`);
    parts.push(`<text x="${left + panel.width / 2}" y="${panel.bottom + 36}" text-anchor="middle">connections</text>`);
    for (const config of configs) {
      const line = points.filter((p) => p.config === config.config).sort((a, b) => a.connections - b.connections);
      const stroke = colour.get(config.config) as string;
      const dash = config.side === 'peer' ? ' stroke-dasharray="6 3"' : '';
      parts.push(
        `<polyline fill="none" stroke="${stroke}" stroke-width="2.5"${dash} points="${line.map((p) => `${x(p.connections).toFixed(1)},${y(p[metric.key]).toFixed(1)}`).join(' ')}"/>`,
      );
      for (const p of line)
        parts.push(
          `<circle cx="${x(p.connections).toFixed(1)}" cy="${y(p[metric.key]).toFixed(1)}" r="4" fill="${stroke}"><title>${escape(`${p.label}, ${p.connections} conn: ${p[metric.key].toFixed(metric.key === 'p99Ms' ? 2 : 0)}`)}</title></circle>`,
        );
    }
  });
  configs.forEach((config, i) => {
    const lx = 80 + (i % 2) * 480;
    const ly = height + 22 * Math.floor(i / 2) - 20;
    const dash = config.side === 'peer' ? ' stroke-dasharray="6 3"' : '';
    parts.push(`<line x1="${lx}" x2="${lx + 30}" y1="${ly - 4}" y2="${ly - 4}" stroke="${colour.get(config.config)}" stroke-width="2.5"${dash}/>`);
    parts.push(`<text x="${lx + 38}" y="${ly}">${escape(config.label)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function tick(v: number): string {
  return v >= 1000 ? `${v / 1000}k` : String(v);
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
