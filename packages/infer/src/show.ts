// `cvc forecast show --store <id>`: a store's latest forecast beside its recent history, for a person
// checking the result: a text chart for the terminal and, on request, a standalone SVG.
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { InputError, addDays, formatIsoDay, parseIsoDay, type LoadedConfig } from '@cvc/core';
import { lakeTables, readStoreSeries } from '@cvc/feature-table';
import { scanSql, tableExists } from '@cvc/lakehouse';
import { lakeTable } from '@cvc/core';

export interface StoreForecastView {
  storeId: string;
  asOf: string;
  model: string;
  bundleVersion: string;
  history: { date: string; sales: number | null }[];
  forecast: { date: string; p10: number; p50: number; p90: number }[];
}

export async function storeForecastView(loaded: LoadedConfig, storeId: string, opts: { historyDays?: number; asOf?: string } = {}): Promise<StoreForecastView> {
  const table = lakeTable(loaded.paths.lake, loaded.config.lake.tables.forecasts);
  if (!(await tableExists(table))) throw new InputError(`forecast show: ${table} does not exist; run \`cvc infer\` first`);
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const scan = await scanSql(conn, table, { filters: { store_id: storeId } });
    const asOfRow = (await conn.runAndReadAll(`SELECT max(as_of_date)::VARCHAR AS d FROM ${scan} f WHERE ($1::DATE IS NULL OR as_of_date = $1::DATE)`, [opts.asOf ?? null])).getRowObjectsJS()[0];
    const asOf = asOfRow?.['d'] == null ? null : String(asOfRow['d']);
    if (!asOf) throw new InputError(`--store ${storeId}: no forecast for this store${opts.asOf ? ` as of ${opts.asOf}` : ''} in ${table}`);
    const rows = (await conn.runAndReadAll(
      `SELECT forecast_date::VARCHAR AS d, yhat_lower, yhat, yhat_upper, model, bundle_version FROM ${scan} f
       WHERE as_of_date = $1::DATE ORDER BY forecast_date`,
      [asOf],
    )).getRowObjectsJS();
    const historyDays = opts.historyDays ?? 56;
    const from = formatIsoDay(addDays(parseIsoDay(asOf), -(historyDays - 1)));
    const [s] = await readStoreSeries(conn, lakeTables(loaded), { from, to: asOf, storeIds: [storeId] });
    const history = s ? Array.from(s.sales, (v, i) => ({ date: formatIsoDay(addDays(parseIsoDay(s.start), i)), sales: Number.isFinite(v) ? v : null })) : [];
    return {
      storeId,
      asOf,
      model: String(rows[0]?.['model'] ?? ''),
      bundleVersion: String(rows[0]?.['bundle_version'] ?? ''),
      history,
      forecast: rows.map((r) => ({ date: String(r['d']), p10: Number(r['yhat_lower']), p50: Number(r['yhat']), p90: Number(r['yhat_upper']) })),
    };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

const BLOCKS = ' ▁▂▃▄▅▆▇█';

/** One text row per day would be long; a sparkline of history then forecast reads at a glance. */
export function textChart(v: StoreForecastView, width = 100): string[] {
  const values = [...v.history.map((h) => h.sales ?? Number.NaN), ...v.forecast.map((f) => f.p50)];
  const max = Math.max(1, ...values.filter(Number.isFinite), ...v.forecast.map((f) => f.p90));
  const spark = (xs: number[]) => xs.map((x) => (Number.isFinite(x) ? BLOCKS[Math.min(8, Math.round((x / max) * 8))] : '·')).join('');
  const hist = spark(v.history.map((h) => h.sales ?? Number.NaN)).slice(-Math.max(10, width - v.forecast.length - 3));
  const fc = spark(v.forecast.map((f) => f.p50));
  const money = (x: number) => `R$ ${Math.round(x).toLocaleString('pt-BR')}`;
  const weekly = [];
  for (let i = 0; i < v.forecast.length; i += 7) {
    const w = v.forecast.slice(i, i + 7);
    weekly.push(`  ${w[0]!.date} .. ${w[w.length - 1]!.date}: p50 ${money(w.reduce((a, f) => a + f.p50, 0))} (p10 ${money(w.reduce((a, f) => a + f.p10, 0))}, p90 ${money(w.reduce((a, f) => a + f.p90, 0))})`);
  }
  return [
    `store ${v.storeId}: forecast as of ${v.asOf} by ${v.model} (bundle ${v.bundleVersion}); scale 0 .. ${money(max)}`,
    `  ${hist} | ${fc}`,
    `  ${'history'.padEnd(hist.length)} | forecast (p50)`,
    ...weekly,
  ];
}

export function svgChart(v: StoreForecastView): string {
  const W = 900, H = 320, L = 70, R = 10, T = 30, B = 30;
  const n = v.history.length + v.forecast.length;
  const max = Math.max(1, ...v.history.map((h) => h.sales ?? 0), ...v.forecast.map((f) => f.p90));
  const x = (i: number) => L + (i / Math.max(1, n - 1)) * (W - L - R);
  const y = (val: number) => T + (1 - val / max) * (H - T - B);
  const off = v.history.length;
  const hist = v.history.map((h, i) => (h.sales === null ? '' : `${x(i).toFixed(1)},${y(h.sales).toFixed(1)}`)).filter(Boolean).join(' ');
  const p50 = v.forecast.map((f, i) => `${x(off + i).toFixed(1)},${y(f.p50).toFixed(1)}`).join(' ');
  const band = [...v.forecast.map((f, i) => `${x(off + i).toFixed(1)},${y(f.p90).toFixed(1)}`), ...v.forecast.map((_, i) => {
    const k = v.forecast.length - 1 - i;
    return `${x(off + k).toFixed(1)},${y(v.forecast[k]!.p10).toFixed(1)}`;
  })].join(' ');
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${L}" y="18">${esc(`store ${v.storeId}: as of ${v.asOf}, ${v.model}, bundle ${v.bundleVersion}`)}</text>
<polygon points="${band}" fill="#1f77b4" fill-opacity="0.2"/>
<polyline points="${hist}" fill="none" stroke="#222" stroke-width="1.5"/>
<polyline points="${p50}" fill="none" stroke="#1f77b4" stroke-width="2"/>
<line x1="${x(off - 0.5)}" x2="${x(off - 0.5)}" y1="${T}" y2="${H - B}" stroke="#999" stroke-dasharray="4 3"/>
<text x="${L - 6}" y="${y(max) + 4}" text-anchor="end">${Math.round(max).toLocaleString('pt-BR')}</text><text x="${L - 6}" y="${y(0)}" text-anchor="end">0</text>
<text x="${x(0)}" y="${H - 8}">${esc(v.history[0]?.date ?? '')}</text><text x="${x(n - 1)}" y="${H - 8}" text-anchor="end">${esc(v.forecast[v.forecast.length - 1]?.date ?? '')}</text>
</svg>`;
}
