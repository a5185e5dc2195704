// The monitoring page: a self-contained HTML file (inline SVG and CSS, no script, opens offline) with
// accuracy and coverage over time by horizon bucket, the worst stores' freshest forecast against the
// actual, and the alert list.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { scanSql } from '@cvc/lakehouse';
import type { Alert, Baseline } from './alerts.js';
import { HORIZON_BUCKETS, type Accuracy, type RollingMetrics } from './metrics.js';

/** How many of the worst stores the page charts. */
export const WORST_STORES_CHARTED = 6;

export interface StoreTrace {
  storeId: string;
  model: string;
  wape: number;
  /** Per observed day: the freshest forecast made for it (smallest horizon) and the actual. */
  days: Array<{ date: string; actual: number; yhat: number; lower: number; upper: number; open: boolean }>;
}

export interface PageData {
  today: string;
  runId: string;
  metrics: RollingMetrics;
  baseline: Baseline | null;
  alerts: Alert[];
  worst: StoreTrace[];
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728'];

/** The worst stores of the window by WAPE, with their forecast-against-actual traces. */
export async function worstStores(
  conn: DuckDBConnection,
  accuracyTable: string,
  m: RollingMetrics,
  minDays: number,
  n = WORST_STORES_CHARTED,
): Promise<StoreTrace[]> {
  if (!m.window) return [];
  const worst = [...m.byStore.entries()]
    .filter(([, a]) => a.days >= minDays && Number.isFinite(a.wape))
    .sort(([, a], [, b]) => b.wape - a.wape)
    .slice(0, n);
  if (worst.length === 0) return [];
  const scan = await scanSql(conn, accuracyTable, { filters: { forecast_date: { gte: m.window.from } } });
  // Store ids are bound as a list literal of escaped strings; they come from the table, not from the user.
  const ids = worst.map(([id]) => `'${id.replace(/'/g, "''")}'`).join(', ');
  const rows = (
    await conn.runAndReadAll(`SELECT store_id, forecast_date::VARCHAR AS d, arg_min(actual, horizon_day) AS actual,
      arg_min(yhat, horizon_day) AS yhat, arg_min(yhat_lower, horizon_day) AS lo,
      arg_min(yhat_upper, horizon_day) AS hi,
      bool_and(is_open) AS open
    FROM ${scan} t WHERE store_id IN (${ids}) GROUP BY ALL ORDER BY store_id, d`)
  ).getRowObjectsJS();
  return worst.map(([id, a]) => ({
    storeId: id,
    model: a.model,
    wape: a.wape,
    days: rows
      .filter((r) => String(r['store_id']) === id)
      .map((r) => ({
        date: String(r['d']),
        actual: Number(r['actual']),
        yhat: Number(r['yhat']),
        lower: Number(r['lo']),
        upper: Number(r['hi']),
        open: r['open'] !== false,
      })),
  }));
}

/** One line per horizon bucket over the observed days. */
function bucketChart(kind: 'wape' | 'coverage', m: RollingMetrics): string {
  const W = 720,
    H = 240,
    L = 56,
    B = 30,
    T = 10,
    R = 110;
  const dates = [...new Set(m.daily.map((d) => d.date))].sort();
  const values = m.daily.map((d) => d[kind]).filter(Number.isFinite);
  const max = kind === 'coverage' ? 1 : Math.max(0.01, ...values);
  const x = (i: number) => L + (i / Math.max(1, dates.length - 1)) * (W - L - R);
  const y = (v: number) => T + (1 - v / max) * (H - T - B);
  const lines = HORIZON_BUCKETS.map((b, k) => {
    const pts = m.daily
      .filter((d) => d.bucket === b.name && Number.isFinite(d[kind]))
      .map((d) => `${x(dates.indexOf(d.date)).toFixed(1)},${y(d[kind]).toFixed(1)}`)
      .join(' ');
    return pts
      ? `<polyline fill="none" stroke="${COLORS[k]}" stroke-width="2" points="${pts}"/>` +
          `<text x="${W - R + 10}" y="${T + 16 * (k + 1)}" style="fill:${COLORS[k]}">days ${b.name}</text>`
      : '';
  }).join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (f) =>
        `<text x="${L - 6}" y="${y(f * max) + 4}" text-anchor="end">${pct(f * max)}</text>` +
        `<line x1="${L}" x2="${W - R}" y1="${y(f * max)}" y2="${y(f * max)}" class="grid"/>`,
    )
    .join('');
  const step = Math.max(1, Math.ceil(dates.length / 6));
  const xt = dates
    .map((d, i) => (i % step === 0 ? `<text x="${x(i)}" y="${H - 10}" text-anchor="middle">${d.slice(5)}</text>` : ''))
    .join('');
  const label =
    kind === 'wape' ? 'WAPE by forecast day and horizon bucket' : 'p10-p90 coverage by forecast day and horizon bucket';
  return (
    `<svg data-chart="${kind}-over-time" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" ` +
    `aria-label="${label}">` +
    `${ticks}${xt}${lines}</svg>`
  );
}

/** Closed days are marked (grey cross at the actual), not scored: the store's WAPE leaves them out. */
function closedMarks(s: StoreTrace, x: (i: number) => number, y: (v: number) => number): string {
  return s.days
    .map((d, i) =>
      d.open
        ? ''
        : `<g data-closed="${esc(d.date)}"><title>${esc(d.date)}: closed, not scored</title>` +
          `<path d="M${(x(i) - 4).toFixed(1)},${(y(d.actual) - 4).toFixed(1)} l8,8 m0,-8 l-8,8" stroke="#888" ` +
          'stroke-width="1.5"/></g>',
    )
    .join('');
}

function storeChart(s: StoreTrace): string {
  const W = 340,
    H = 170,
    L = 70,
    B = 18,
    T = 22,
    R = 8;
  const n = s.days.length;
  const max = Math.max(1, ...s.days.flatMap((d) => [d.actual, d.upper, d.yhat]).filter(Number.isFinite));
  const x = (i: number) => L + (i / Math.max(1, n - 1)) * (W - L - R);
  const y = (v: number) => T + (1 - v / max) * (H - T - B);
  const pts = (f: (d: StoreTrace['days'][number]) => number) =>
    s.days.map((d, i) => `${x(i).toFixed(1)},${y(f(d)).toFixed(1)}`);
  const band = [...pts((d) => d.upper), ...pts((d) => d.lower).reverse()].join(' ');
  const title = `store ${s.storeId} (${s.model}): WAPE ${pct(s.wape)}`;
  const size = `viewBox="0 0 ${W} ${H}" width="${W}" height="${H}"`;
  return `<figure><svg data-chart="store-forecast" ${size} role="img" aria-label="${esc(title)}">
<text x="${L}" y="14" class="title">${esc(title)}</text>
<polygon points="${band}" fill="#1f77b4" fill-opacity="0.18" stroke="none"/>
<polyline points="${pts((d) => d.yhat).join(' ')}" fill="none" stroke="#1f77b4" stroke-width="1.8"/>
<polyline points="${pts((d) => d.actual).join(' ')}" fill="none" stroke="#222" stroke-width="1.2"
  stroke-dasharray="3 2"/>
${closedMarks(s, x, y)}
<text x="${L - 4}" y="${y(max) + 4}" text-anchor="end">${Math.round(max).toLocaleString('en-US')}</text>
<text x="${L - 4}" y="${y(0)}" text-anchor="end">0</text>
</svg></figure>`;
}

function accuracyRow(name: string, a: Accuracy): string {
  const cells = [esc(name), pct(a.wape), pct(a.bias), pct(a.coverage), String(a.n)];
  return `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
}

function alertList(alerts: readonly Alert[]): string {
  if (alerts.length === 0) return '<p class="ok">No alerts.</p>';
  const rows = alerts
    .map(
      (a) =>
        `<tr data-alert="${esc(a.kind)}"><td>${esc(a.kind)}</td><td>${esc(a.message)}</td>` +
        `<td>${esc(a.stores.slice(0, 50).join(', '))}${a.stores.length > 50 ? ', ...' : ''}</td></tr>`,
    )
    .join('');
  const head = '<thead><tr><th>kind</th><th>what</th><th>stores</th></tr></thead>';
  return `<table class="alerts">${head}<tbody>${rows}</tbody></table>`;
}

export function renderMonitorPage(p: PageData): string {
  const m = p.metrics;
  const window = m.window ? `${m.window.from} .. ${m.window.to}` : 'no actuals yet';
  const buckets = HORIZON_BUCKETS.filter((b) => m.chainByBucket[b.name])
    .map((b) => accuracyRow(`days ${b.name}`, m.chainByBucket[b.name]!))
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cvc monitoring ${esc(p.today)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1100px; }
table { border-collapse: collapse; margin: 8px 0 16px; }
td, th { border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: left; }
svg text { font-size: 11px; fill: #444; } svg .title { font-weight: 600; } .grid { stroke: #eee; }
figure { display: inline-block; margin: 4px; }
.alerts tr td:first-child { color: #b00; font-weight: 600; } .ok { color: #080; }
</style></head><body>
<h1>Forecast monitoring, ${esc(p.today)}</h1>
<p>Window ${esc(window)}, ${m.byStore.size} stores, run ${esc(p.runId)}. Backtest WAPE of bundle
${esc(p.baseline?.bundleVersion ?? 'n/a')}: ${pct(p.baseline?.wape ?? NaN)}.</p>
<h2>Alerts</h2>
${alertList(p.alerts)}
<h2>Rolling accuracy</h2>
<table><thead><tr><th></th><th>WAPE</th><th>bias</th><th>p10-p90 coverage</th><th>forecasts</th></tr></thead>
<tbody>${accuracyRow('chain', m.chain)}${buckets}</tbody></table>
<p data-closed-rows="${m.closed}">Open days only, as the backtest scores them: ${m.closed} forecasts for days
the store was closed are left out (marked with a grey cross below).</p>
<h2>Accuracy over time</h2>
${bucketChart('wape', m)}
<h2>Coverage over time</h2>
${bucketChart('coverage', m)}
<h2>Worst stores: freshest forecast (p50, p10-p90) against actual</h2>
${p.worst.map(storeChart).join('\n') || '<p>No store has enough observed days yet.</p>'}
</body></html>
`;
}

/** Writes the page atomically (temp file + rename); returns its path. */
export async function writeMonitorPage(file: string, p: PageData): Promise<string> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, renderMonitorPage(p));
  await rename(tmp, file);
  return file;
}
