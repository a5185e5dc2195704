// How far back the neural models read: the context window, the level's lookback (recentLevel falls
// back to the context when the lookback has no sales) and the 4-week weekday mean they correct.
import type { HistoryContext } from '../entry.js';

const WEEKDAY_BASE_DAYS = 28;

export function neuralHistoryDays(scaleLookback: unknown, fallback: number, ctx: HistoryContext): number {
  const lookback = typeof scaleLookback === 'number' ? scaleLookback : fallback;
  return Math.max(ctx.context, lookback, WEEKDAY_BASE_DAYS);
}
