// Splits what a run logs into log-batch requests MLflow accepts: at most 1000 metrics, 100 params,
// 100 tags and 1000 items in all per request, and well under the 1 MB request limit.

export interface MetricItem {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}
export interface KeyValue {
  key: string;
  value: string;
}
export interface LogBatch {
  metrics: MetricItem[];
  params: KeyValue[];
  tags: KeyValue[];
}

export const BATCH_LIMITS = { metrics: 1000, params: 100, tags: 100, total: 1000, bytes: 900_000 } as const;
/** MLflow keeps param values up to 6000 characters and tag values up to 8000. */
export const MAX_PARAM_VALUE = 6000;
export const MAX_TAG_VALUE = 8000;

function sizeOf(item: object): number {
  return JSON.stringify(item).length + 1;
}

export function splitBatches(input: LogBatch, limits: typeof BATCH_LIMITS = BATCH_LIMITS): LogBatch[] {
  const out: LogBatch[] = [];
  let cur: LogBatch = { metrics: [], params: [], tags: [] };
  let bytes = 0;
  const count = () => cur.metrics.length + cur.params.length + cur.tags.length;
  const push = <K extends keyof LogBatch>(kind: K, item: LogBatch[K][number]) => {
    const size = sizeOf(item);
    if (cur[kind].length >= limits[kind] || count() >= limits.total || (count() > 0 && bytes + size > limits.bytes)) {
      out.push(cur);
      cur = { metrics: [], params: [], tags: [] };
      bytes = 0;
    }
    (cur[kind] as LogBatch[K][number][]).push(item);
    bytes += size;
  };
  for (const p of input.params) push('params', p);
  for (const t of input.tags) push('tags', t);
  for (const m of input.metrics) push('metrics', m);
  if (count() > 0) out.push(cur);
  return out;
}

/** JSON has no NaN or Infinity; MLflow's protobuf JSON parser takes them as strings. */
export function metricJson(m: MetricItem): Record<string, unknown> {
  const value = Number.isFinite(m.value)
    ? m.value
    : Number.isNaN(m.value)
      ? 'NaN'
      : m.value > 0
        ? 'Infinity'
        : '-Infinity';
  return { key: m.key, value, timestamp: m.timestamp, step: m.step };
}
