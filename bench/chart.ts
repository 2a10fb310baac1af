// Draws bench/out/results.json as an SVG: requests/s (log scale) and upstream calls per request, per query and system.
import { readFileSync, writeFileSync } from 'node:fs';

interface Row {
  latency: number;
  system: string;
  query: string;
  rps: number;
  callsPerRequest: number;
}

export function drawChart(rows: Row[], file: string): void {
  const systems = [...new Set(rows.map((r) => r.system))];
  const groups = [...new Set(rows.map((r) => `${r.latency} ms · ${r.query}`))];
  const colors = [
    '#2563eb',
    '#16a34a',
    '#9ca3af',
    '#dc2626',
    '#ca8a04',
    '#9333ea',
    '#0891b2',
    '#db2777',
    '#65a30d',
    '#7c2d12',
  ];
  const barWidth = 14;
  const groupWidth = systems.length * barWidth + 24;
  const width = 80 + groups.length * groupWidth;
  const panel = 220;
  const height = 2 * panel + 140;
  const maxRps = Math.max(...rows.map((r) => r.rps), 10);
  const maxCalls = Math.max(...rows.map((r) => r.callsPerRequest), 1);
  const logY = (value: number) => (value <= 1 ? 0 : (Math.log10(value) / Math.log10(maxRps)) * (panel - 20));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    '<title>Benchmark: requests/s and upstream calls per request, per query and system</title>',
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="16" font-size="13" font-weight="bold">requests/s (log scale)</text>`,
    `<text x="10" y="${panel + 56}" font-size="13" font-weight="bold">upstream calls per request</text>`,
  ];
  groups.forEach((group, g) => {
    const x0 = 70 + g * groupWidth;
    parts.push(`<text x="${x0}" y="${height - 60}" transform="rotate(30 ${x0} ${height - 60})">${group}</text>`);
    systems.forEach((system, s) => {
      const row = rows.find((r) => `${r.latency} ms · ${r.query}` === group && r.system === system);
      if (!row) return;
      const x = x0 + s * barWidth;
      const h1 = logY(row.rps);
      parts.push(
        `<rect x="${x}" y="${panel + 20 - h1}" width="${barWidth - 2}" height="${h1}" fill="${colors[s % colors.length]}"><title>${system} ${group}: ${row.rps} req/s</title></rect>`,
      );
      const h2 = (row.callsPerRequest / maxCalls) * (panel - 40);
      parts.push(
        `<rect x="${x}" y="${2 * panel + 40 - h2}" width="${barWidth - 2}" height="${h2}" fill="${colors[s % colors.length]}"><title>${system} ${group}: ${row.callsPerRequest.toFixed(2)} calls/request</title></rect>`,
      );
    });
  });
  systems.forEach((system, s) => {
    const x = 80 + s * 110;
    parts.push(`<rect x="${x}" y="${height - 24}" width="10" height="10" fill="${colors[s % colors.length]}"/>`);
    parts.push(`<text x="${x + 14}" y="${height - 15}">${system}</text>`);
  });
  parts.push('</svg>');
  writeFileSync(file, parts.join('\n'));
}

if (process.argv[1]?.endsWith('chart.ts')) {
  const { rows } = JSON.parse(readFileSync('bench/out/results.json', 'utf8')) as { rows: Row[] };
  drawChart(rows, 'bench/chart.svg');
}
