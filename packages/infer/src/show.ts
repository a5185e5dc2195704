// `cvc forecast show --store <id>`: a store's latest forecast beside its recent history, for a person
// checking the result: a text chart for the terminal and, on request, a standalone SVG.
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  InputError,
  addDays,
  bandPolygon,
  chartScale,
  escapeXml,
  formatIsoDay,
  formatters,
  linePoints,
  parseIsoDay,
  resolveLocale,
  type LoadedConfig,
} from '@cvc/core';
import { lakeTables, readForecastSet, readStoreSeries } from '@cvc/feature-table';
import { scanSql, tableExists } from '@cvc/lakehouse';
import { MIN_WEEKLY_SAMPLES, weeklyRatios, weeklyTotals, type WeekRow } from './weekly.js';

export interface StoreForecastView {
  storeId: string;
  asOf: string;
  model: string;
  bundleVersion: string;
  /** The store's closing date when it has one on or before the forecast's last day. */
  closedOn: string | null;
  locale: string;
  history: { date: string; sales: number | null }[];
  forecast: { date: string; p10: number; p50: number; p90: number }[];
  weekly: WeekRow[];
}

/** closed_on of a store from the stores table; undefined when the store is not there. */
async function storeClosedOn(
  conn: DuckDBConnection,
  storesTable: string,
  storeId: string,
): Promise<string | null | undefined> {
  if (!(await tableExists(storesTable))) return undefined;
  const scan = await scanSql(conn, storesTable);
  const rows = (
    await conn.runAndReadAll(`SELECT closed_on::VARCHAR AS c FROM ${scan} s WHERE store_id = $1`, [storeId])
  ).getRowObjectsJS();
  return rows.length === 0 ? undefined : rows[0]!['c'] == null ? null : String(rows[0]!['c']);
}

export async function storeForecastView(
  loaded: LoadedConfig,
  storeId: string,
  opts: { historyDays?: number; asOf?: string } = {},
): Promise<StoreForecastView> {
  const tables = lakeTables(loaded);
  const table = tables.forecasts;
  if (!(await tableExists(table)))
    throw new InputError(`forecast show: ${table} does not exist; run \`cvc infer\` first`);
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const set = await readForecastSet(conn, table, storeId, opts.asOf);
    const closedOn = await storeClosedOn(conn, tables.stores, storeId);
    if (!set) {
      const when = opts.asOf ? ` as of ${opts.asOf}` : '';
      if (closedOn === undefined)
        throw new InputError(
          `--store ${storeId}: no such store in ${tables.stores}; ` +
            'check the id (run `cvc ingest` if the store is new)',
        );
      if (closedOn)
        throw new InputError(
          `--store ${storeId}: the store closed on ${closedOn}; closed stores get no forecast${when}`,
        );
      const next = opts.asOf
        ? `run \`cvc infer --as-of ${opts.asOf}\`, or leave out --as-of for the latest forecast`
        : 'run `cvc infer`';
      throw new InputError(
        `--store ${storeId}: no forecast for this store${when} in ${table}; ${next} (a store with stale data is ` +
          'skipped: see its output)',
      );
    }
    const { asOf } = set;
    const historyDays = opts.historyDays ?? 56;
    const from = formatIsoDay(addDays(parseIsoDay(asOf), -(historyDays - 1)));
    const [s] = await readStoreSeries(conn, tables, { from, to: asOf, storeIds: [storeId] });
    const history = s
      ? Array.from(s.sales, (v, i) => ({
          date: formatIsoDay(addDays(parseIsoDay(s.start), i)),
          sales: Number.isFinite(v) ? v : null,
        }))
      : [];
    const forecast = set.days;
    const ratios = await weeklyRatios(conn, tables.backtestForecasts, set.model);
    const lastDay = forecast[forecast.length - 1]?.date ?? asOf;
    return {
      storeId,
      asOf,
      model: set.model,
      bundleVersion: set.bundleVersion,
      closedOn: closedOn && closedOn <= lastDay ? closedOn : null,
      locale: resolveLocale(loaded.config.ui.locale),
      history,
      forecast,
      weekly: weeklyTotals(forecast, ratios),
    };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

const BLOCKS = ' ▁▂▃▄▅▆▇█';

/** One text row per day would be long; a sparkline of history then forecast reads at a glance. */
export function textChart(v: StoreForecastView, width = 100): string[] {
  const f = formatters(v.locale);
  const values = [...v.history.map((h) => h.sales ?? Number.NaN), ...v.forecast.map((x) => x.p50)];
  const max = Math.max(1, ...values.filter(Number.isFinite), ...v.forecast.map((x) => x.p90));
  const spark = (xs: number[]) =>
    xs.map((x) => (Number.isFinite(x) ? BLOCKS[Math.min(8, Math.round((x / max) * 8))] : '·')).join('');
  const hist = spark(v.history.map((h) => h.sales ?? Number.NaN)).slice(-Math.max(10, width - v.forecast.length - 3));
  const fc = spark(v.forecast.map((x) => x.p50));
  const methods = new Set(v.weekly.map((w) => w.method));
  return [
    `store ${v.storeId}: forecast as of ${v.asOf} by ${v.model} (bundle ${v.bundleVersion}); scale 0 .. ` +
      `${f.money(max)}`,
    ...(v.closedOn ? [`  the store closed on ${v.closedOn}: no forecast is made for it after that`] : []),
    `  ${hist} | ${fc}`,
    `  ${'history'.padEnd(hist.length)} | forecast (p50)`,
    ...v.weekly.map(
      (w) =>
        `  ${w.from} .. ${w.to}: p50 ${f.money(w.p50)} (p10 ${f.money(w.p10)}, p90 ` +
        `${f.money(w.p90)})${w.method === 'daily-sum' && methods.size > 1 ? ' *' : ''}`,
    ),
    ...(methods.has('backtest')
      ? [
          '  weekly p10/p90: weekly p50 x the 10th/90th percentile of actual/forecast weekly totals of this ' +
            'model in the backtest',
        ]
      : []),
    ...(methods.has('daily-sum')
      ? [
          `  ${methods.size > 1 ? '* ' : ''}weekly p10/p90: sums of daily p10/p90 (under ${MIN_WEEKLY_SAMPLES} ` +
            'backtest weeks of this model): as wide as if every day missed the same way',
        ]
      : []),
  ];
}

export function svgChart(v: StoreForecastView): string {
  const f = formatters(v.locale);
  const W = 900,
    H = 320,
    L = 70,
    R = 10,
    T = 30,
    B = 30;
  const n = v.history.length + v.forecast.length;
  const max = Math.max(1, ...v.history.map((h) => h.sales ?? 0), ...v.forecast.map((x) => x.p90));
  const s = chartScale({ left: L, right: W - R, top: T, bottom: H - B }, n, max);
  const off = v.history.length;
  const hist = linePoints(
    s,
    v.history.map((h) => h.sales ?? Number.NaN),
  );
  const p50 = linePoints(
    s,
    v.forecast.map((x) => x.p50),
    off,
  );
  const band = bandPolygon(
    s,
    v.forecast.map((x) => x.p10),
    v.forecast.map((x) => x.p90),
    off,
  );
  const svgOpen =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" ` +
    'font-family="sans-serif" font-size="12">';
  const yLabels =
    `<text x="${L - 6}" y="${s.y(max) + 4}" text-anchor="end">${escapeXml(f.money(max))}</text>` +
    `<text x="${L - 6}" y="${s.y(0)}" text-anchor="end">0</text>`;
  const lastDay = v.forecast[v.forecast.length - 1]?.date ?? '';
  const xLabels =
    `<text x="${s.x(0)}" y="${H - 8}">${escapeXml(v.history[0]?.date ?? '')}</text>` +
    `<text x="${s.x(n - 1)}" y="${H - 8}" text-anchor="end">${escapeXml(lastDay)}</text>`;
  return `${svgOpen}
<rect width="100%" height="100%" fill="white"/>
<text x="${L}" y="18">${escapeXml(`store ${v.storeId}: as of ${v.asOf}, ${v.model}, bundle ${v.bundleVersion}`)}</text>
<polygon points="${band}" fill="#1f77b4" fill-opacity="0.2"/>
<polyline points="${hist}" fill="none" stroke="#222" stroke-width="1.5"/>
<polyline points="${p50}" fill="none" stroke="#1f77b4" stroke-width="2"/>
<line x1="${s.x(off - 0.5)}" x2="${s.x(off - 0.5)}" y1="${T}" y2="${H - B}" stroke="#999" stroke-dasharray="4 3"/>
${yLabels}
${xLabels}
</svg>`;
}
