// A self-contained HTML report of a backtest for a sales planner: leaderboard and every metric,
// interval calibration, error by horizon day (closed days marked), the model chosen per store and why,
// and a per-store drill-down of each model's forecast against actual. Inline SVG, CSS and a few lines
// of script for the store filter, so it opens offline from a file.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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
  type QuantileForecast,
} from '@cvc/core';
import { importanceSvg } from '@cvc/mlops';
import type { BacktestResult } from './backtest.js';
import type { LeaderRow } from './choice.js';
import { byStoreId, calibrationPoints, choiceReasons, closedDays, metricRows, type ClosedDay } from './report-data.js';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf'];
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const METRIC_LABELS: Record<string, string> = {
  wape: 'WAPE (pooled)',
  mae: 'MAE',
  rmse: 'RMSE',
  smape: 'sMAPE',
  mase: 'MASE',
  bias: 'bias',
  pinball: 'pinball',
  coverage80: 'p10-p90 coverage',
};

/** `<td>a</td><td>b</td>`: cells already escaped or formatted. */
const tds = (xs: readonly (string | number)[]) => xs.map((x) => `<td>${x}</td>`).join('');

/** A table with a header row; `name` becomes data-table (what the tests and a reader look for). */
function htmlTable(name: string | null, head: readonly string[], body: string): string {
  const attr = name ? ` data-table="${name}"` : '';
  const headRow = `<tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr>`;
  return `<table${attr}><thead>${headRow}</thead><tbody>${body}</tbody></table>`;
}

function leaderTable(rows: readonly LeaderRow[], counts: Record<string, number>, f: Formatters): string {
  const body = rows
    .map((r, i) => {
      const cells = tds([esc(r.model), f.pct(r.wape), f.pct(r.meanStoreWape), r.stores, counts[r.model] ?? 0]);
      return `<tr${i === 0 ? ' class="best"' : ''}>${cells}</tr>`;
    })
    .join('');
  return htmlTable(null, ['model', 'WAPE (pooled)', 'mean store WAPE', 'stores scored', 'stores chosen'], body);
}

function metricsTable(r: BacktestResult, f: Formatters): string {
  const money = new Set(['mae', 'rmse', 'pinball']);
  const ratio = new Set(['smape', 'bias', 'coverage80']);
  const cell = (m: string, v: number) => (money.has(m) ? f.money(v) : ratio.has(m) ? f.pct(v) : f.num(v, 3));
  const others = METRIC_NAMES.filter((m) => m !== 'wape');
  const rows = metricRows(r)
    .map((row) => {
      const metrics = others.map((m) => `<td data-metric="${m}">${cell(m, row.means[m])}</td>`).join('');
      const wape = `<td data-metric="wape">${f.pct(row.wape)}</td>`;
      return (
        `<tr data-model="${esc(row.model)}"><td>${esc(row.model)}</td>${wape}${metrics}<td>` +
        `${row.windows}</td></tr>`
      );
    })
    .join('');
  const head = ['model', ...METRIC_NAMES.map((m) => METRIC_LABELS[m] ?? m), 'store x fold windows'];
  return htmlTable('metrics', head, rows);
}

/** WAPE by horizon day, one line per model; horizon days when most stores were closed in a fold are shaded. */
function horizonChart(byDay: Record<string, number[]>, closed: readonly ClosedDay[], f: Formatters): string {
  const W = 720,
    H = 260,
    L = 50,
    B = 30,
    T = 10,
    R = 140;
  const models = Object.keys(byDay);
  const n = Math.max(...models.map((m) => byDay[m]!.length));
  const max = Math.max(0.01, ...models.flatMap((m) => byDay[m]!.filter(Number.isFinite)));
  const s = chartScale({ left: L, right: W - R, top: T, bottom: H - B }, n, 1);
  const y = (v: number) => s.y(v / max);
  const step = (W - L - R) / Math.max(1, n - 1);
  const marks = [...new Set(closed.map((c) => c.horizonDay))]
    .map(
      (h) =>
        `<rect data-closed-day="${h}" x="${(s.x(h - 1) - step / 2).toFixed(1)}" y="${T}" ` +
        `width="${step.toFixed(1)}" height="${H - T - B}" fill="#bbb" fill-opacity="0.35"/>`,
    )
    .join('');
  const lines = models
    .map((m, k) => {
      const c = COLORS[k % COLORS.length]!;
      const pts = linePoints({ x: s.x, y }, byDay[m]!);
      return (
        `<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts}"/>` +
        `<text x="${W - R + 10}" y="${T + 16 * (k + 1)}" style="fill:${c}">${esc(m)}</text>`
      );
    })
    .join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (q) =>
        `<text x="${L - 6}" y="${y(q * max) + 4}" text-anchor="end">${f.pct(q * max)}</text>` +
        `<line x1="${L}" x2="${W - R}" y1="${y(q * max)}" y2="${y(q * max)}" class="grid"/>`,
    )
    .join('');
  const xt = [1, 7, 14, 21, 28, 35]
    .filter((d) => d <= n)
    .map((d) => `<text x="${s.x(d - 1)}" y="${H - 10}" text-anchor="middle">${d}</text>`)
    .join('');
  const svg = `<svg data-chart="wape-by-horizon" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img"`;
  return `${svg} aria-label="WAPE by horizon day">${marks}${ticks}${xt}${lines}</svg>`;
}

function closedDaysTable(closed: readonly ClosedDay[]): string {
  if (closed.length === 0) return '<p>No day in a scored window had most stores closed.</p>';
  const rows = closed
    .map((c) => `<tr>${tds([c.date, c.fold + 1, c.horizonDay, c.storesOpen, c.storesScored])}</tr>`)
    .join('');
  return `<p>Shaded: horizon days that fell, in some fold, on a date when most stores were closed. Closed days are not
scored, so WAPE there is over the few stores still open (e.g. airports on 25 Dec), whose holiday sales the models
forecast poorly: a spike on those days is those stores, not the chain.</p>
${htmlTable('closed-days', ['date', 'fold', 'horizon day', 'stores open', 'stores scored'], rows)}`;
}

/** Observed share of actuals at or below p10, p50, p90 against the nominal 10/50/90 %, one line per model. */
function calibrationChart(r: BacktestResult, f: Formatters): { chart: string; table: string } {
  const pts = calibrationPoints(r);
  const models = [...new Set(pts.map((p) => p.model))];
  const W = 360,
    H = 300,
    L = 50,
    B = 36,
    T = 12,
    R = 110;
  const x = (v: number) => L + v * (W - L - R);
  const y = (v: number) => T + (1 - v) * (H - T - B);
  const lines = models
    .map((m, k) => {
      const c = COLORS[k % COLORS.length]!;
      const mp = pts.filter((p) => p.model === m && Number.isFinite(p.observed));
      const at = mp.map((p) => [x(p.nominal).toFixed(1), y(p.observed).toFixed(1)] as const);
      return (
        `<polyline data-model="${esc(m)}" fill="none" stroke="${c}" stroke-width="1.8" ` +
        `points="${at.map((q) => q.join(',')).join(' ')}"/>` +
        at.map(([cx, cy]) => `<circle cx="${cx}" cy="${cy}" r="3" fill="${c}"/>`).join('') +
        `<text x="${W - R + 8}" y="${T + 14 * (k + 1)}" style="fill:${c}">${esc(m)}</text>`
      );
    })
    .join('');
  const axes = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (v) =>
        `<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${f.pct(v)}</text>` +
        `<text x="${x(v)}" y="${H - 20}" text-anchor="middle">${f.pct(v)}</text>`,
    )
    .join('');
  const chart = `<svg data-chart="calibration" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img"
aria-label="calibration: nominal against observed">
<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="4 3"/>${axes}${lines}
<text x="${(L + W - R) / 2}" y="${H - 4}" text-anchor="middle">nominal quantile level</text></svg>`;
  const rows = models
    .map((m) => {
      const observed = [0.1, 0.5, 0.9].map((q) =>
        f.pct(pts.find((z) => z.model === m && z.nominal === q)?.observed ?? Number.NaN),
      );
      const days = f.int(pts.find((z) => z.model === m)?.days ?? 0);
      return `<tr data-model="${esc(m)}">${tds([esc(m), ...observed, days])}</tr>`;
    })
    .join('');
  const head = ['model', 'actual &le; p10 (nominal 10%)', '&le; p50 (50%)', '&le; p90 (90%)', 'open days'];
  const table = htmlTable('calibration', head, rows);
  return { chart, table };
}

/** How many features the report's importance table and chart show. */
const IMPORTANCE_TOP = 20;

/** LightGBM feature importance (gain and split) of the last fold's model, from its model text. */
function importanceSection(r: BacktestResult, f: Formatters): string {
  if (!r.models.includes('lgbm')) return '';
  const imp = r.lgbmImportance;
  const head = '<h2>LightGBM feature importance</h2>';
  if (!imp) return `${head}<p>No LightGBM model from the last fold (it failed or did not run there).</p>`;
  const totalGain = imp.features.reduce((a, x) => a + x.gain, 0);
  const totalSplit = imp.features.reduce((a, x) => a + x.split, 0);
  const top = imp.features.slice(0, IMPORTANCE_TOP);
  const rows = top
    .map((x, i) => {
      const cells = tds([i + 1, esc(x.feature), f.num(x.gain, 1), f.pct(x.gain / totalGain), f.int(x.split)]);
      return `<tr data-feature="${esc(x.feature)}">${cells}</tr>`;
    })
    .join('');
  const table = htmlTable('importance', ['rank', 'feature', 'gain', 'share of gain', 'splits'], rows);
  const chart = importanceSvg(imp.features, 'gain', IMPORTANCE_TOP).replace('<svg ', '<svg data-chart="importance" ');
  const fold = `fold ${imp.fold + 1}, cutoff ${esc(imp.cutoff)}`;
  return `${head}<p>The model fitted in the last fold (${fold}): per feature the summed
split gain and the number of splits over every tree, as LightGBM's importance_type gain / split; top
${plural(top.length, 'feature')} of ${imp.features.length} by gain (${f.int(totalSplit)} splits in all).</p>
${chart}${table}`;
}

/** The top (money) and zero labels of a chart's y axis. */
const yLabels = (x: number, top: number, zero: number, label: string) =>
  `<text x="${x}" y="${top + 4}" text-anchor="end">${label}</text><text x="${x}" y="${zero}" ` +
  'text-anchor="end">0</text>';

/** Forecast (p50 and p10-p90 band) against actual sales for one store in one fold. */
function storeChart(title: string, actual: Float64Array, fc: QuantileForecast, f: Formatters): string {
  const { p10, p50, p90 } = fc;
  const W = 340,
    H = 170,
    L = 74,
    B = 18,
    T = 22,
    R = 8;
  const max = Math.max(1, ...[...actual, ...p90, ...p50].filter(Number.isFinite));
  const s = chartScale({ left: L, right: W - R, top: T, bottom: H - B }, p50.length, max);
  return `<figure><svg data-chart="store-forecast" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img"
aria-label="${esc(title)}">
<text x="${L}" y="14" class="title">${esc(title)}</text>
<polygon points="${bandPolygon(s, p10, p90)}" fill="#1f77b4" fill-opacity="0.18" stroke="none"/>
<polyline points="${linePoints(s, p50)}" fill="none" stroke="#1f77b4" stroke-width="1.8"/>
<polyline points="${linePoints(s, actual)}" fill="none" stroke="#222" stroke-width="1.2" stroke-dasharray="3 2"/>
${yLabels(L - 4, s.y(max), s.y(0), f.money(max))}
</svg></figure>`;
}

/**
 * Every model's p50 against actual for one store in the last fold, as an SVG that also stands alone
 * (the per-store artifacts of the tracked run); null when the store was not forecast in that fold.
 */
export function storeModelsSvg(r: BacktestResult, storeId: string, f: Formatters): string | null {
  const s = r.series.find((x) => x.storeId === storeId);
  const lastFold = r.folds[r.folds.length - 1];
  if (!s || !lastFold) return null;
  const models = r.leaderboard.map((l) => l.model);
  const fcs = models.map((m) =>
    r.outcomes.find((o) => o.model === m && o.fold === lastFold.fold)?.forecasts.find((x) => x.storeId === storeId),
  );
  const first = fcs.find(Boolean);
  if (!first) return null;
  const actual = actualWindow(s, first.start, first.p50.length).sales;
  const W = 520,
    H = 190,
    L = 74,
    B = 18,
    T = 10,
    R = 110;
  const max = Math.max(1, ...[...actual, ...fcs.flatMap((x) => (x ? [...x.p50] : []))].filter(Number.isFinite));
  const sc = chartScale({ left: L, right: W - R, top: T, bottom: H - B }, first.p50.length, max);
  const legend = (k: number, text: string, color?: string) =>
    `<text x="${W - R + 8}" y="${T + 13 * (k + 1)}"${color ? ` style="fill:${color}"` : ''}>${esc(text)}</text>`;
  const lines = fcs
    .map((x, k) => {
      if (!x) return '';
      const c = COLORS[k % COLORS.length]!;
      const points = linePoints(sc, x.p50);
      const line = `<polyline data-model="${esc(models[k]!)}" points="${points}" fill="none" stroke="${c}"`;
      return `${line} stroke-width="1.4"/>${legend(k, models[k]!, c)}`;
    })
    .join('');
  const dashed =
    `<polyline points="${linePoints(sc, actual)}" fill="none" stroke="#222" stroke-width="1.4" ` +
    'stroke-dasharray="3 2"/>';
  const label = `store ${storeId} from ${first.start}: every model against actual`;
  return `<svg xmlns="http://www.w3.org/2000/svg" data-chart="store-models" viewBox="0 0 ${W} ${H}" width="${W}"
height="${H}" role="img" aria-label="${esc(label)}" font-family="sans-serif" font-size="11">
${lines}${dashed}${legend(models.length, 'actual')}
${yLabels(L - 4, sc.y(max), sc.y(0), f.money(max))}</svg>`;
}

/** One store's drill-down: every model's p50 against actual on the last fold, and each model's WAPE per fold. */
function storeSection(r: BacktestResult, storeId: string, reason: string, f: Formatters): string {
  const s = r.series.find((x) => x.storeId === storeId)!;
  const models = r.leaderboard.map((l) => l.model);
  const chart = storeModelsSvg(r, storeId, f) ?? '<p>Not forecast in the last fold.</p>';
  const folds = r.folds.map((x) => x.fold);
  const rows = models
    .map((m) => {
      const score = (k: number) => r.scores.find((x) => x.model === m && x.fold === k && x.storeId === storeId);
      const ws = folds.map((k) => score(k)?.wape ?? Number.NaN);
      const ok = ws.filter(Number.isFinite);
      const mean = ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : Number.NaN;
      return `<tr data-model="${esc(m)}">${tds([esc(m), ...ws.map(f.pct), f.pct(mean)])}</tr>`;
    })
    .join('');
  const summary = `store ${esc(storeId)} · ${esc(s.statics['format'] ?? '')} · ${esc(reason)}`;
  const table = htmlTable('store-wape', ['model', ...folds.map((k) => `fold ${k + 1}`), 'mean'], rows);
  return `<details data-store="${esc(storeId)}"><summary>${summary}</summary>\n${chart}${table}</details>`;
}

// The report's stylesheet, one rule group a line.
const REPORT_STYLE =
  'body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1180px}\n' +
  'table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}\n' +
  'td:first-child,th:first-child{text-align:left}tr.best{background:#e8f4e8}tr.closed{color:#888}' +
  'td:last-child{text-align:left}\n' +
  'svg text{font-size:11px;fill:#444}svg .title{font-size:12px;fill:#222}.grid{stroke:#eee}' +
  'figure{display:inline-block;margin:4px}\n' +
  '.scroll{max-height:420px;overflow:auto;display:inline-block}details{margin:4px 0}summary{cursor:pointer}';

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
      const model = c.closedOn ? `closed ${esc(c.closedOn)}` : esc(c.model);
      const cells = tds([
        esc(c.storeId),
        esc(s?.statics['format'] ?? ''),
        esc(s?.statics['state'] ?? ''),
        model,
        f.pct(wape),
        esc(c.text),
      ]);
      return `<tr data-store="${esc(c.storeId)}"${c.closedOn ? ' class="closed"' : ''}>${cells}</tr>`;
    })
    .join('');
  const byFormat = Object.entries(r.leaderboardByFormat)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([fm, rows]) => {
      const fc: Record<string, number> = {};
      const inFormat = (id: string) => !closedStores.has(id) && (byId.get(id)?.statics['format'] ?? '') === fm;
      for (const c of r.choices) if (inFormat(c.storeId)) fc[c.model] = (fc[c.model] ?? 0) + 1;
      return `<h3>${esc(fm || '(no format)')}</h3>${leaderTable(rows, fc, f)}`;
    })
    .join('');
  // Charts for the biggest open stores (by recent sales), last fold, their chosen model.
  const lastFold = r.folds[r.folds.length - 1]!;
  const volume = (id: string) => {
    const s = byId.get(id)!;
    let sum = 0;
    for (let i = Math.max(0, s.sales.length - 90); i < s.sales.length; i++) {
      if (Number.isFinite(s.sales[i]!)) sum += s.sales[i]!;
    }
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
      return storeChart(`store ${c.storeId} · ${c.model} · from ${fc.start}`, a, fc, f);
    })
    .join('');
  const closed = closedDays(r);
  const calibration = calibrationChart(r, f);
  const drill = reasons.map((c) => storeSection(r, c.storeId, c.text, f)).join('\n');
  const failures = r.failures.length
    ? '<h2>Failures</h2><ul>' +
      `${r.failures.map((x) => `<li>${esc(x.model)} fold ${x.fold}: ${esc(x.error)}</li>`).join('')}</ul>`
    : '';
  const span = `${r.folds[0]!.cutoff} .. ${lastFold.cutoff}`;
  const horizon = r.folds[0] ? parseIsoDay(r.folds[0].testEnd) - parseIsoDay(r.folds[0].testStart) + 1 : 0;
  const closedNote = closedStores.size ? `; ${plural(closedStores.size, 'store')} closed for good (not forecast)` : '';
  const summary =
    `${plural(r.stores, 'store')}${closedNote}, ${plural(r.folds.length, 'fold')} (cutoffs ${esc(span)}), ` +
    `horizon ${plural(horizon, 'day')}, models ${esc(r.models.join(', '))}; global best <b>${esc(r.globalBest)}</b>; ` +
    `${r.seconds.toFixed(0)} s.`;
  const choiceTable = htmlTable('choices', ['store', 'format', 'UF', 'model', 'WAPE', 'why'], choiceRows);
  const head = `<!doctype html><html lang="${esc(f.locale)}"><head><meta charset="utf-8">`;
  const lastFoldCharts =
    '<h2>Forecast against actual (last fold, chosen model)</h2>' +
    `<p>Solid: p50; band: p10-p90; dashed: actual sales.</p>${charts}`;
  return `${head}<title>cvc backtest ${esc(r.runId)}</title>
<style>${REPORT_STYLE}</style></head><body>
<h1>Backtest ${esc(r.runId)}</h1>
<p>${summary}</p>
<h2>Leaderboard</h2>${leaderTable(r.leaderboard, counts, f)}
<h2>Metrics</h2><p>WAPE pooled over every store and fold (sum of absolute errors over sum of sales); the others are the
mean over store x fold windows, open days only. MAE, RMSE and pinball (mean over p10, p50, p90) are in reais; MASE is
against the weekly seasonal-naive forecast in-sample.</p>
${metricsTable(r, f)}
<h2>Interval coverage (p10-p90)</h2><p>Nominal against observed share of actuals inside the interval: raw
over every fold, and on folds 2.. raw and after the conformal calibration learned on the folds before each (what the
bundle applies).</p>
${coverageTable(r, f)}
<h2>Calibration</h2><p>Share of open-day actuals at or below each forecast quantile, all folds, raw forecasts. On the
dashed diagonal a model's quantiles mean what they say; below it the forecasts run high, above it low.</p>
${calibration.chart}${calibration.table}
<h2>By store format</h2>${byFormat}
<h2>WAPE by horizon day (open days)</h2>${horizonChart(r.wapeByHorizonDay, closed, f)}${closedDaysTable(closed)}
${importanceSection(r, f)}
<h2>Forecast against actual (last fold, chosen model)</h2>
<p>Solid: p50; band: p10-p90; dashed: actual sales.</p>${charts}
<h2>Model per store</h2><p><input id="store-filter" type="search" placeholder="filter stores (id, format, model)"></p>
<div class="scroll">${choiceTable}</div>
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
    .map((c) => {
      const cells = [esc(c.model), f.pct(c.nominal), f.pct(c.raw), f.pct(c.rawLater), f.pct(c.calibratedLater), c.days];
      return `<tr>${tds(cells)}</tr>`;
    })
    .join('');
  const head = ['model', 'nominal', 'raw, all folds', 'raw, folds 2..', 'calibrated, folds 2..', 'days'];
  return htmlTable('coverage', head, rows);
}

/** Writes the report atomically (temp file + rename). */
export async function writeReport(file: string, r: BacktestResult, opts: { locale?: string } = {}): Promise<string> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, renderReport(r, opts));
  await rename(tmp, file);
  return file;
}

/** Which stores get a forecast-vs-actual SVG beside the report (config backtest.storeCharts). */
export interface StoreChartPick {
  /** The stores whose chosen model did worst (highest WAPE). */
  worst: number;
  /** The first stores by id. */
  first: number;
}

/** Open stores to chart: the `worst` by their chosen model's WAPE, then the `first` by id, each once. */
export function storesToChart(r: BacktestResult, pick: StoreChartPick): string[] {
  const closed = r.choiceContext.closedOn;
  const open = r.choices.filter((c) => !(c.storeId in closed));
  const worst = open
    .filter((c) => Number.isFinite(c.wape))
    .sort((a, b) => b.wape - a.wape || byStoreId(a.storeId, b.storeId))
    .slice(0, pick.worst)
    .map((c) => c.storeId);
  const first = open
    .map((c) => c.storeId)
    .sort(byStoreId)
    .slice(0, pick.first);
  return [...new Set([...worst, ...first])];
}

/**
 * Writes store-<id>.svg (every model's p50 against actual, last fold) for the picked stores into `dir`,
 * replacing what was there; returns the file names written.
 */
export async function writeStoreCharts(
  dir: string,
  r: BacktestResult,
  pick: StoreChartPick,
  opts: { locale?: string } = {},
): Promise<string[]> {
  const f = formatters(opts.locale ?? 'en-US');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const id of storesToChart(r, pick)) {
    const svg = storeModelsSvg(r, id, f);
    if (!svg) continue;
    // Store ids come from the data: keep file names to a safe alphabet.
    const name = `store-${id.replace(/[^A-Za-z0-9_.-]/g, '_')}.svg`;
    await writeFile(join(dir, name), `${svg}\n`);
    written.push(name);
  }
  return written;
}
