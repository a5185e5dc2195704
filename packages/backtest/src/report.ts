// A self-contained HTML report of a backtest for a sales planner: leaderboard and every metric,
// interval calibration, error by horizon day (closed days marked), the model chosen per store and why,
// and a per-store drill-down of each model's forecast against actual. Inline SVG, CSS and a few lines
// of script for the store filter, so it opens offline from a file.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  METRIC_NAMES,
  actualWindow,
  bandPolygon,
  chartScale,
  escapeXml as esc,
  formatters,
  linePoints,
  parseIsoDay,
  type Formatters,
} from '@cvc/core';
import type { BacktestResult } from './backtest.js';
import type { LeaderRow } from './choice.js';
import { calibrationPoints, choiceReasons, closedDays, metricRows, type ClosedDay } from './report-data.js';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf'];
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const METRIC_LABELS: Record<string, string> = {
  wape: 'WAPE (pooled)', mae: 'MAE', rmse: 'RMSE', smape: 'sMAPE', mase: 'MASE', bias: 'bias', pinball: 'pinball', coverage80: 'p10-p90 coverage',
};

function leaderTable(rows: readonly LeaderRow[], counts: Record<string, number>, f: Formatters): string {
  const body = rows
    .map((r, i) => `<tr${i === 0 ? ' class="best"' : ''}><td>${esc(r.model)}</td><td>${f.pct(r.wape)}</td><td>${f.pct(r.meanStoreWape)}</td><td>${r.stores}</td><td>${counts[r.model] ?? 0}</td></tr>`)
    .join('');
  return `<table><thead><tr><th>model</th><th>WAPE (pooled)</th><th>mean store WAPE</th><th>stores scored</th><th>stores chosen</th></tr></thead><tbody>${body}</tbody></table>`;
}

function metricsTable(r: BacktestResult, f: Formatters): string {
  const money = new Set(['mae', 'rmse', 'pinball']);
  const ratio = new Set(['smape', 'bias', 'coverage80']);
  const cell = (m: string, v: number) => (money.has(m) ? f.money(v) : ratio.has(m) ? f.pct(v) : f.num(v, 3));
  const rows = metricRows(r)
    .map((row) => `<tr data-model="${esc(row.model)}"><td>${esc(row.model)}</td><td data-metric="wape">${f.pct(row.wape)}</td>${METRIC_NAMES.filter((m) => m !== 'wape')
      .map((m) => `<td data-metric="${m}">${cell(m, row.means[m])}</td>`).join('')}<td>${row.windows}</td></tr>`)
    .join('');
  const head = METRIC_NAMES.map((m) => `<th>${METRIC_LABELS[m] ?? m}</th>`).join('');
  return `<table data-table="metrics"><thead><tr><th>model</th>${head}<th>store x fold windows</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** WAPE by horizon day, one line per model; horizon days when most stores were closed in a fold are shaded. */
function horizonChart(byDay: Record<string, number[]>, closed: readonly ClosedDay[], f: Formatters): string {
  const W = 720, H = 260, L = 50, B = 30, T = 10, R = 140;
  const models = Object.keys(byDay);
  const n = Math.max(...models.map((m) => byDay[m]!.length));
  const max = Math.max(0.01, ...models.flatMap((m) => byDay[m]!.filter(Number.isFinite)));
  const s = chartScale({ left: L, right: W - R, top: T, bottom: H - B }, n, 1);
  const y = (v: number) => s.y(v / max);
  const step = (W - L - R) / Math.max(1, n - 1);
  const marks = [...new Set(closed.map((c) => c.horizonDay))]
    .map((h) => `<rect data-closed-day="${h}" x="${(s.x(h - 1) - step / 2).toFixed(1)}" y="${T}" width="${step.toFixed(1)}" height="${H - T - B}" fill="#bbb" fill-opacity="0.35"/>`)
    .join('');
  const lines = models
    .map((m, k) => {
      const pts = linePoints({ x: s.x, y }, byDay[m]!);
      return `<polyline fill="none" stroke="${COLORS[k % COLORS.length]}" stroke-width="2" points="${pts}"/><text x="${W - R + 10}" y="${T + 16 * (k + 1)}" style="fill:${COLORS[k % COLORS.length]}">${esc(m)}</text>`;
    })
    .join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((q) => `<text x="${L - 6}" y="${y(q * max) + 4}" text-anchor="end">${f.pct(q * max)}</text><line x1="${L}" x2="${W - R}" y1="${y(q * max)}" y2="${y(q * max)}" class="grid"/>`).join('');
  const xt = [1, 7, 14, 21, 28, 35].filter((d) => d <= n).map((d) => `<text x="${s.x(d - 1)}" y="${H - 10}" text-anchor="middle">${d}</text>`).join('');
  return `<svg data-chart="wape-by-horizon" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="WAPE by horizon day">${marks}${ticks}${xt}${lines}</svg>`;
}

function closedDaysTable(closed: readonly ClosedDay[]): string {
  if (closed.length === 0) return '<p>No day in a scored window had most stores closed.</p>';
  const rows = closed.map((c) => `<tr><td>${c.date}</td><td>${c.fold + 1}</td><td>${c.horizonDay}</td><td>${c.storesOpen}</td><td>${c.storesScored}</td></tr>`).join('');
  return `<p>Shaded: horizon days that fell, in some fold, on a date when most stores were closed. Closed days are not
scored, so WAPE there is over the few stores still open (e.g. airports on 25 Dec), whose holiday sales the models
forecast poorly: a spike on those days is those stores, not the chain.</p>
<table data-table="closed-days"><thead><tr><th>date</th><th>fold</th><th>horizon day</th><th>stores open</th><th>stores scored</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Observed share of actuals at or below p10, p50, p90 against the nominal 10/50/90 %, one line per model. */
function calibrationChart(r: BacktestResult, f: Formatters): { chart: string; table: string } {
  const pts = calibrationPoints(r);
  const models = [...new Set(pts.map((p) => p.model))];
  const W = 360, H = 300, L = 50, B = 36, T = 12, R = 110;
  const x = (v: number) => L + v * (W - L - R);
  const y = (v: number) => T + (1 - v) * (H - T - B);
  const lines = models.map((m, k) => {
    const c = COLORS[k % COLORS.length]!;
    const mp = pts.filter((p) => p.model === m && Number.isFinite(p.observed));
    return `<polyline data-model="${esc(m)}" fill="none" stroke="${c}" stroke-width="1.8" points="${mp.map((p) => `${x(p.nominal).toFixed(1)},${y(p.observed).toFixed(1)}`).join(' ')}"/>`
      + mp.map((p) => `<circle cx="${x(p.nominal).toFixed(1)}" cy="${y(p.observed).toFixed(1)}" r="3" fill="${c}"/>`).join('')
      + `<text x="${W - R + 8}" y="${T + 14 * (k + 1)}" style="fill:${c}">${esc(m)}</text>`;
  }).join('');
  const axes = [0, 0.25, 0.5, 0.75, 1].map((v) => `<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${f.pct(v)}</text><text x="${x(v)}" y="${H - 20}" text-anchor="middle">${f.pct(v)}</text>`).join('');
  const chart = `<svg data-chart="calibration" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="calibration: nominal against observed">
<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="4 3"/>${axes}${lines}
<text x="${(L + W - R) / 2}" y="${H - 4}" text-anchor="middle">nominal quantile level</text></svg>`;
  const rows = models.map((m) => `<tr data-model="${esc(m)}"><td>${esc(m)}</td>${[0.1, 0.5, 0.9].map((q) => {
    const p = pts.find((z) => z.model === m && z.nominal === q);
    return `<td>${f.pct(p?.observed ?? Number.NaN)}</td>`;
  }).join('')}<td>${f.int(pts.find((z) => z.model === m)?.days ?? 0)}</td></tr>`).join('');
  const table = `<table data-table="calibration"><thead><tr><th>model</th><th>actual &le; p10 (nominal 10%)</th><th>&le; p50 (50%)</th><th>&le; p90 (90%)</th><th>open days</th></tr></thead><tbody>${rows}</tbody></table>`;
  return { chart, table };
}

/** Forecast (p50 and p10-p90 band) against actual sales for one store in one fold. */
function storeChart(title: string, actual: Float64Array, p10: Float64Array, p50: Float64Array, p90: Float64Array, f: Formatters): string {
  const W = 340, H = 170, L = 74, B = 18, T = 22, R = 8;
  const max = Math.max(1, ...[...actual, ...p90, ...p50].filter(Number.isFinite));
  const s = chartScale({ left: L, right: W - R, top: T, bottom: H - B }, p50.length, max);
  return `<figure><svg data-chart="store-forecast" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">
<text x="${L}" y="14" class="title">${esc(title)}</text>
<polygon points="${bandPolygon(s, p10, p90)}" fill="#1f77b4" fill-opacity="0.18" stroke="none"/>
<polyline points="${linePoints(s, p50)}" fill="none" stroke="#1f77b4" stroke-width="1.8"/>
<polyline points="${linePoints(s, actual)}" fill="none" stroke="#222" stroke-width="1.2" stroke-dasharray="3 2"/>
<text x="${L - 4}" y="${s.y(max) + 4}" text-anchor="end">${f.money(max)}</text><text x="${L - 4}" y="${s.y(0)}" text-anchor="end">0</text>
</svg></figure>`;
}

/** One store's drill-down: every model's p50 against actual on the last fold, and each model's WAPE per fold. */
function storeSection(r: BacktestResult, storeId: string, reason: string, f: Formatters): string {
  const s = r.series.find((x) => x.storeId === storeId)!;
  const lastFold = r.folds[r.folds.length - 1]!;
  const models = r.leaderboard.map((l) => l.model);
  const fcs = models.map((m) => r.outcomes.find((o) => o.model === m && o.fold === lastFold.fold)?.forecasts.find((x) => x.storeId === storeId));
  const first = fcs.find(Boolean);
  let chart = '<p>Not forecast in the last fold.</p>';
  if (first) {
    const actual = actualWindow(s, first.start, first.p50.length).sales;
    const W = 520, H = 190, L = 74, B = 18, T = 10, R = 110;
    const max = Math.max(1, ...[...actual, ...fcs.flatMap((x) => (x ? [...x.p50] : []))].filter(Number.isFinite));
    const sc = chartScale({ left: L, right: W - R, top: T, bottom: H - B }, first.p50.length, max);
    const lines = fcs.map((x, k) => (x ? `<polyline data-model="${esc(models[k]!)}" points="${linePoints(sc, x.p50)}" fill="none" stroke="${COLORS[k % COLORS.length]}" stroke-width="1.4"/><text x="${W - R + 8}" y="${T + 13 * (k + 1)}" style="fill:${COLORS[k % COLORS.length]}">${esc(models[k]!)}</text>` : '')).join('');
    chart = `<svg data-chart="store-models" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="store ${esc(storeId)}: every model against actual">
${lines}<polyline points="${linePoints(sc, actual)}" fill="none" stroke="#222" stroke-width="1.4" stroke-dasharray="3 2"/><text x="${W - R + 8}" y="${T + 13 * (models.length + 1)}">actual</text>
<text x="${L - 4}" y="${sc.y(max) + 4}" text-anchor="end">${f.money(max)}</text><text x="${L - 4}" y="${sc.y(0)}" text-anchor="end">0</text></svg>`;
  }
  const folds = r.folds.map((x) => x.fold);
  const rows = models.map((m) => {
    const ws = folds.map((k) => r.scores.find((x) => x.model === m && x.fold === k && x.storeId === storeId)?.wape ?? Number.NaN);
    const ok = ws.filter(Number.isFinite);
    return `<tr data-model="${esc(m)}"><td>${esc(m)}</td>${ws.map((w) => `<td>${f.pct(w)}</td>`).join('')}<td>${f.pct(ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : Number.NaN)}</td></tr>`;
  }).join('');
  return `<details data-store="${esc(storeId)}"><summary>store ${esc(storeId)} · ${esc(s.statics['format'] ?? '')} · ${esc(reason)}</summary>
${chart}<table data-table="store-wape"><thead><tr><th>model</th>${folds.map((k) => `<th>fold ${k + 1}</th>`).join('')}<th>mean</th></tr></thead><tbody>${rows}</tbody></table></details>`;
}

export function renderReport(r: BacktestResult, opts: { storesToChart?: number; locale?: string } = {}): string {
  const f = formatters(opts.locale ?? 'en-US');
  const byId = new Map(r.series.map((s) => [s.storeId, s]));
  const reasons = choiceReasons(r, f.pct);
  const closedStores = new Set(reasons.filter((x) => x.closedOn).map((x) => x.storeId));
  // Stores closed for good are not forecast: they count as closed, not as chosen.
  const counts: Record<string, number> = {};
  for (const c of r.choices) if (!closedStores.has(c.storeId)) counts[c.model] = (counts[c.model] ?? 0) + 1;
  const choiceRows = reasons
    .map((c) => {
      const s = byId.get(c.storeId);
      const wape = r.choices.find((x) => x.storeId === c.storeId)!.wape;
      return `<tr data-store="${esc(c.storeId)}"${c.closedOn ? ' class="closed"' : ''}><td>${esc(c.storeId)}</td><td>${esc(s?.statics['format'] ?? '')}</td><td>${esc(s?.statics['state'] ?? '')}</td><td>${c.closedOn ? `closed ${esc(c.closedOn)}` : esc(c.model)}</td><td>${f.pct(wape)}</td><td>${esc(c.text)}</td></tr>`;
    })
    .join('');
  const byFormat = Object.entries(r.leaderboardByFormat)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([fm, rows]) => {
      const fc: Record<string, number> = {};
      for (const c of r.choices) if (!closedStores.has(c.storeId) && (byId.get(c.storeId)?.statics['format'] ?? '') === fm) fc[c.model] = (fc[c.model] ?? 0) + 1;
      return `<h3>${esc(fm || '(no format)')}</h3>${leaderTable(rows, fc, f)}`;
    })
    .join('');
  // Charts for the biggest open stores (by recent sales), last fold, their chosen model.
  const lastFold = r.folds[r.folds.length - 1]!;
  const volume = (id: string) => {
    const s = byId.get(id)!;
    let sum = 0;
    for (let i = Math.max(0, s.sales.length - 90); i < s.sales.length; i++) if (Number.isFinite(s.sales[i]!)) sum += s.sales[i]!;
    return sum;
  };
  const charts = r.choices
    .filter((c) => c.reason !== 'global-best' && !closedStores.has(c.storeId))
    .sort((a, b) => volume(b.storeId) - volume(a.storeId))
    .slice(0, opts.storesToChart ?? 9)
    .map((c) => {
      const o = r.outcomes.find((x) => x.model === c.model && x.fold === lastFold.fold);
      const fc = o?.forecasts.find((x) => x.storeId === c.storeId);
      if (!fc) return '';
      const a = actualWindow(byId.get(c.storeId)!, fc.start, fc.p50.length).sales;
      return storeChart(`store ${c.storeId} · ${c.model} · from ${fc.start}`, a, fc.p10, fc.p50, fc.p90, f);
    })
    .join('');
  const closed = closedDays(r);
  const calibration = calibrationChart(r, f);
  const drill = reasons.map((c) => storeSection(r, c.storeId, c.text, f)).join('\n');
  const failures = r.failures.length
    ? `<h2>Failures</h2><ul>${r.failures.map((x) => `<li>${esc(x.model)} fold ${x.fold}: ${esc(x.error)}</li>`).join('')}</ul>`
    : '';
  const span = `${r.folds[0]!.cutoff} .. ${lastFold.cutoff}`;
  const horizon = r.folds[0] ? parseIsoDay(r.folds[0].testEnd) - parseIsoDay(r.folds[0].testStart) + 1 : 0;
  const closedNote = closedStores.size ? `; ${plural(closedStores.size, 'store')} closed for good (not forecast)` : '';
  return `<!doctype html><html lang="${esc(f.locale)}"><head><meta charset="utf-8"><title>cvc backtest ${esc(r.runId)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1180px}table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}tr.best{background:#e8f4e8}tr.closed{color:#888}
td:last-child{text-align:left}svg text{font-size:11px;fill:#444}svg .title{font-size:12px;fill:#222}.grid{stroke:#eee}figure{display:inline-block;margin:4px}.scroll{max-height:420px;overflow:auto;display:inline-block}details{margin:4px 0}summary{cursor:pointer}</style></head><body>
<h1>Backtest ${esc(r.runId)}</h1>
<p>${plural(r.stores, 'store')}${closedNote}, ${plural(r.folds.length, 'fold')} (cutoffs ${esc(span)}), horizon ${plural(horizon, 'day')}, models ${esc(r.models.join(', '))}; global best <b>${esc(r.globalBest)}</b>; ${r.seconds.toFixed(0)} s.</p>
<h2>Leaderboard</h2>${leaderTable(r.leaderboard, counts, f)}
<h2>Metrics</h2><p>WAPE pooled over every store and fold (sum of absolute errors over sum of sales); the others are the
mean over store x fold windows, open days only. MAE, RMSE and pinball (mean over p10, p50, p90) are in reais; MASE is
against the weekly seasonal-naive forecast in-sample.</p>
${metricsTable(r, f)}
<h2>Interval coverage (p10-p90)</h2><p>Nominal against observed share of actuals inside the interval: raw
over every fold, and on folds 2.. raw and after the conformal calibration learned on the folds before each (what the bundle applies).</p>
${coverageTable(r, f)}
<h2>Calibration</h2><p>Share of open-day actuals at or below each forecast quantile, all folds, raw forecasts. On the
dashed diagonal a model's quantiles mean what they say; below it the forecasts run high, above it low.</p>
${calibration.chart}${calibration.table}
<h2>By store format</h2>${byFormat}
<h2>WAPE by horizon day (open days)</h2>${horizonChart(r.wapeByHorizonDay, closed, f)}${closedDaysTable(closed)}
<h2>Forecast against actual (last fold, chosen model)</h2><p>Solid: p50; band: p10-p90; dashed: actual sales.</p>${charts}
<h2>Model per store</h2><p><input id="store-filter" type="search" placeholder="filter stores (id, format, model)"></p>
<div class="scroll"><table data-table="choices"><thead><tr><th>store</th><th>format</th><th>UF</th><th>model</th><th>WAPE</th><th>why</th></tr></thead><tbody>${choiceRows}</tbody></table></div>
<h2>Stores</h2><p>Each store: every model's p50 against actual in the last fold (dashed), and its WAPE per fold.</p>
<div id="stores">${drill}</div>
${failures}<script>
document.getElementById('store-filter').addEventListener('input', function (e) {
  var q = e.target.value.trim().toLowerCase();
  document.querySelectorAll('[data-table="choices"] tbody tr, #stores details').forEach(function (el) {
    el.style.display = !q || el.textContent.toLowerCase().indexOf(q) >= 0 ? '' : 'none';
  });
});
</script></body></html>`;
}

function coverageTable(r: BacktestResult, f: Formatters): string {
  const rows = r.coverage
    .map((c) => `<tr><td>${esc(c.model)}</td><td>${f.pct(c.nominal)}</td><td>${f.pct(c.raw)}</td><td>${f.pct(c.rawLater)}</td><td>${f.pct(c.calibratedLater)}</td><td>${c.days}</td></tr>`)
    .join('');
  return `<table data-table="coverage"><thead><tr><th>model</th><th>nominal</th><th>raw, all folds</th><th>raw, folds 2..</th><th>calibrated, folds 2..</th><th>days</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Writes the report atomically (temp file + rename). */
export async function writeReport(file: string, r: BacktestResult, opts: { locale?: string } = {}): Promise<string> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, renderReport(r, opts));
  await rename(tmp, file);
  return file;
}
