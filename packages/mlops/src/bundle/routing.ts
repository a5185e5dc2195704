// Which model forecasts which store: the backtest's choice for stores it has seen with enough
// history, the fallback kind for the rest (new stores, stores reopened with a short record).
import type { StoreSeries } from '@cvc/core';
import type { Routing } from './manifest.js';

export type RouteReason = 'routed' | 'unknown-store' | 'short-history';

export interface Route {
  kind: string;
  reason: RouteReason;
}

/** Days from the first observed (non-NaN) sale to the end of the series. */
export function historyDays(sales: Float64Array): number {
  for (let i = 0; i < sales.length; i++) if (!Number.isNaN(sales[i]!)) return sales.length - i;
  return 0;
}

/** Stores per model kind, most first, and the fallback kind: what `cvc models list` shows of a version. */
export function routeCounts(routing: Routing): { stores: Record<string, number>; fallback: string } {
  const counts: Record<string, number> = {};
  for (const kind of Object.values(routing.stores)) counts[kind] = (counts[kind] ?? 0) + 1;
  const stores = Object.fromEntries(Object.entries(counts).sort(([a, x], [b, y]) => y - x || a.localeCompare(b)));
  return { stores, fallback: routing.fallback };
}

export function routeStore(routing: Routing, context: number, series: Pick<StoreSeries, 'storeId' | 'sales'>): Route {
  const kind = routing.stores[series.storeId];
  if (kind === undefined) return { kind: routing.fallback, reason: 'unknown-store' };
  if (historyDays(series.sales) < context) return { kind: routing.fallback, reason: 'short-history' };
  return { kind, reason: 'routed' };
}
