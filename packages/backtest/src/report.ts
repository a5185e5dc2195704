// A self-contained HTML report of a backtest for a sales planner: leaderboard (overall and by
// format), the model chosen per store, error by horizon day and forecast-against-actual charts with
// the p10-p90 band. Inline SVG and CSS only, so it opens offline from a file.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { actualWindow, parseIsoDay } from '@cvc/core';
import type { BacktestResult } from './backtest.js';
import type { LeaderRow } from './choice.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');
const brl = (x: number) => (Number.isFinite(x) ? `R$ ${Math.round(x).toLocaleString('pt-BR')}` : 'n/a');
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf'];

function leaderTable(rows: readonly LeaderRow[], counts: Record<string, number>): string {
  const body = rows
    .map((r, i) => `<tr${i === 0 ? ' class="best"' : ''}><td>${esc(r.model)}</td><td>${pct(r.wape)}</td><td>${pct(r.meanStoreWape)}</td><td>${r.stores}</td><td>${counts[r.model] ?? 0}</td></tr>`)
    .join('');
  return `<table><thead><tr><th>model</th><th>WAPE (pooled)</th><th>mean store WAPE</th><th>stores scored</th><th>stores chosen</th></tr></thead><tbody>${body}</tbody></table>`;
}

/** A line chart of WAPE by horizon day, one line per model. */
function horizonChart(byDay: Record<string, number[]>): string {
  const W = 720, H = 260, L = 50, B = 30, T = 10, R = 140;
  const models = Object.keys(byDay);
  const n = Math.max(...models.map((m) => byDay[m]!.length));
  const max = Math.max(0.01, ...models.flatMap((m) => byDay[m]!.filter(Number.isFinite)));
  const x = (i: number) => L + (i / Math.max(1, n - 1)) * (W - L - R);
  const y = (v: number) => T + (1 - v / max) * (H - T - B);
  const lines = models
    .map((m, k) => {
      const pts = byDay[m]!.map((v, i) => (Number.isFinite(v) ? `${x(i).toFixed(1)},${y(v).toFixed(1)}` : '')).filter(Boolean).join(' ');
      return `<polyline fill="none" stroke="${COLORS[k % COLORS.length]}" stroke-width="2" points="${pts}"/><text x="${W - R + 10}" y="${T + 16 * (k + 1)}" style="fill:${COLORS[k % COLORS.length]}">${esc(m)}</text>`;
    })
    .join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${L - 6}" y="${y(f * max) + 4}" text-anchor="end">${pct(f * max)}</text><line x1="${L}" x2="${W - R}" y1="${y(f * max)}" y2="${y(f * max)}" class="grid"/>`).join('');
  const xt = [1, 7, 14, 21, 28, 35].filter((d) => d <= n).map((d) => `<text x="${x(d - 1)}" y="${H - 10}" text-anchor="middle">${d}</text>`).join('');
  return `<svg data-chart="wape-by-horizon" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="WAPE by horizon day">${ticks}${xt}${lines}</svg>`;
}

/** Forecast (p50 and p10-p90 band) against actual sales for one store in one fold. */
function storeChart(title: string, actual: Float64Array, p10: Float64Array, p50: Float64Array, p90: Float64Array): string {
  const W = 340, H = 170, L = 74, B = 18, T = 22, R = 8;
  const all = [...actual, ...p90, ...p50].filter(Number.isFinite);
  const max = Math.max(1, ...all);
  const n = p50.length;
  const x = (i: number) => L + (i / Math.max(1, n - 1)) * (W - L - R);
  const y = (v: number) => T + (1 - v / max) * (H - T - B);
  const band = [...Array.from(p90, (v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`), ...Array.from(p10, (v, i) => `${x(n - 1 - i).toFixed(1)},${y(p10[n - 1 - i]!).toFixed(1)}`)].join(' ');
  const line = (a: Float64Array) => Array.from(a, (v, i) => (Number.isFinite(v) ? `${x(i).toFixed(1)},${y(v).toFixed(1)}` : '')).filter(Boolean).join(' ');
  return `<figure><svg data-chart="store-forecast" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">
<text x="${L}" y="14" class="title">${esc(title)}</text>
<polygon points="${band}" fill="#1f77b4" fill-opacity="0.18" stroke="none"/>
<polyline points="${line(p50)}" fill="none" stroke="#1f77b4" stroke-width="1.8"/>
<polyline points="${line(actual)}" fill="none" stroke="#222" stroke-width="1.2" stroke-dasharray="3 2"/>
<text x="${L - 4}" y="${y(max) + 4}" text-anchor="end">${brl(max)}</text><text x="${L - 4}" y="${y(0)}" text-anchor="end">0</text>
</svg></figure>`;
}

function coverageTable(r: BacktestResult): string {
  const rows = r.coverage
    .map((c) => `<tr><td>${esc(c.model)}</td><td>${pct(c.nominal)}</td><td>${pct(c.raw)}</td><td>${pct(c.rawLater)}</td><td>${pct(c.calibratedLater)}</td><td>${c.days}</td></tr>`)
    .join('');
  return `<table data-table="coverage"><thead><tr><th>model</th><th>nominal</th><th>raw, all folds</th><th>raw, folds 2..</th><th>calibrated, folds 2..</th><th>days</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function renderReport(r: BacktestResult, opts: { storesToChart?: number } = {}): string {
  const byId = new Map(r.series.map((s) => [s.storeId, s]));
  const choiceRows = r.choices
    .map((c) => `<tr><td>${esc(c.storeId)}</td><td>${esc(byId.get(c.storeId)?.statics['format'] ?? '')}</td><td>${esc(byId.get(c.storeId)?.statics['state'] ?? '')}</td><td>${esc(c.model)}</td><td>${pct(c.wape)}</td><td>${esc(c.reason)}</td></tr>`)
    .join('');
  const byFormat = Object.entries(r.leaderboardByFormat)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([f, rows]) => {
      const counts: Record<string, number> = {};
      for (const c of r.choices) if ((byId.get(c.storeId)?.statics['format'] ?? '') === f) counts[c.model] = (counts[c.model] ?? 0) + 1;
      return `<h3>${esc(f || '(no format)')}</h3>${leaderTable(rows, counts)}`;
    })
    .join('');
  // Charts for the biggest stores (by recent sales), last fold, their chosen model.
  const lastFold = r.folds[r.folds.length - 1]!;
  const volume = (id: string) => {
    const s = byId.get(id)!;
    let sum = 0;
    for (let i = Math.max(0, s.sales.length - 90); i < s.sales.length; i++) if (Number.isFinite(s.sales[i]!)) sum += s.sales[i]!;
    return sum;
  };
  const charted = r.choices
    .filter((c) => c.reason !== 'global-best')
    .sort((a, b) => volume(b.storeId) - volume(a.storeId))
    .slice(0, opts.storesToChart ?? 9);
  const charts = charted
    .map((c) => {
      const o = r.outcomes.find((x) => x.model === c.model && x.fold === lastFold.fold);
      const f = o?.forecasts.find((x) => x.storeId === c.storeId);
      if (!f) return '';
      const a = actualWindow(byId.get(c.storeId)!, f.start, f.p50.length).sales;
      return storeChart(`store ${c.storeId} · ${c.model} · from ${f.start}`, a, f.p10, f.p50, f.p90);
    })
    .join('');
  const failures = r.failures.length
    ? `<h2>Failures</h2><ul>${r.failures.map((f) => `<li>${esc(f.model)} fold ${f.fold}: ${esc(f.error)}</li>`).join('')}</ul>`
    : '';
  const span = `${r.folds[0]!.cutoff} .. ${lastFold.cutoff}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>cvc backtest ${esc(r.runId)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1180px}table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}tr.best{background:#e8f4e8}
svg text{font-size:11px;fill:#444}svg .title{font-size:12px;fill:#222}.grid{stroke:#eee}figure{display:inline-block;margin:4px}.scroll{max-height:420px;overflow:auto;display:inline-block}</style></head><body>
<h1>Backtest ${esc(r.runId)}</h1>
<p>${r.stores} stores, ${r.folds.length} folds (cutoffs ${esc(span)}), horizon ${r.folds[0] ? parseIsoDay(r.folds[0].testEnd) - parseIsoDay(r.folds[0].testStart) + 1 : 0} days, models ${esc(r.models.join(', '))}; global best <b>${esc(r.globalBest)}</b>; ${r.seconds.toFixed(0)} s.</p>
<h2>Leaderboard</h2>${leaderTable(r.leaderboard, r.choiceCounts)}
<h2>Interval coverage (p10-p90)</h2><p>Nominal against observed share of actuals inside the interval: raw
over every fold, and on folds 2.. raw and after the conformal calibration learned on the folds before each (what the bundle applies).</p>
${coverageTable(r)}
<h2>By store format</h2>${byFormat}
<h2>WAPE by horizon day</h2>${horizonChart(r.wapeByHorizonDay)}
<h2>Forecast against actual (last fold, chosen model)</h2><p>Solid: p50; band: p10-p90; dashed: actual sales.</p>${charts}
<h2>Model per store</h2><div class="scroll"><table><thead><tr><th>store</th><th>format</th><th>UF</th><th>model</th><th>WAPE</th><th>why</th></tr></thead><tbody>${choiceRows}</tbody></table></div>
${failures}</body></html>`;
}

/** Writes the report atomically (temp file + rename). */
export async function writeReport(file: string, r: BacktestResult): Promise<string> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, renderReport(r));
  await rename(tmp, file);
  return file;
}
