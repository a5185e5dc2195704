import type { Command } from 'commander';
import {
  failAbandonedRuns,
  listMlflowRuns,
  listRuns,
  mlflowClientFor,
  mlflowTarget,
  openTracker,
  showMlflowRun,
  showRun,
  trackingSettings,
  type RunSummary,
} from '@cvc/mlops';
import { createContext, type GlobalOptions } from '../context.js';
import { positiveInt } from './options.js';

/** The MLflow client when tracking goes to MLflow, else undefined (local tables). */
function mlflowFor(ctx: ReturnType<typeof createContext>) {
  const t = ctx.loaded.config.tracking;
  const target = mlflowTarget({ uri: t.uri, ...(t.token ? { token: t.token } : {}) });
  return target ? mlflowClientFor(target, ctx.log) : undefined;
}

/** Wall time of a run: end - start, or so far for a RUNNING one. */
export function runDuration(r: Pick<RunSummary, 'startTime' | 'endTime'>, now = Date.now()): string {
  const ms = (r.endTime ? Date.parse(r.endTime) : now) - Date.parse(r.startTime);
  if (!Number.isFinite(ms)) return '-';
  const s = Math.max(0, Math.round(ms / 1000));
  const text =
    s < 60
      ? `${s}s`
      : s < 3600
        ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
        : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return r.endTime ? text : `${text}+`;
}

/**
 * The figure a run is judged by: its `wape` (a backtest model), a training run's `backtest_wape` (the
 * routed bundle's backtest WAPE), else a backtest parent's best `wape_<model>`; '-' when it has none.
 */
export function headlineMetric(metrics: Record<string, number>): string {
  for (const key of ['wape', 'backtest_wape'])
    if (Number.isFinite(metrics[key])) return `${key}=${metrics[key]!.toFixed(4)}`;
  const byModel = Object.entries(metrics)
    .filter(([k, v]) => k.startsWith('wape_') && Number.isFinite(v))
    .sort((a, b) => a[1] - b[1]);
  return byModel[0] ? `${byModel[0][0]}=${byModel[0][1].toFixed(4)}` : '-';
}

/** Per-fold tags (cvc.fold<k>.stop_reason, cvc.fold<k>.error) as one line per kind: `stop_reason: 0=patience 1=...`. */
export function foldTagLines(tags: Record<string, string>): string[] {
  const byKind = new Map<string, [number, string][]>();
  for (const [k, v] of Object.entries(tags)) {
    const m = /^cvc\.fold(\d+)\.(.+)$/.exec(k);
    if (m) byKind.set(m[2]!, [...(byKind.get(m[2]!) ?? []), [Number(m[1]), v]]);
  }
  return [...byKind]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([kind, xs]) =>
        `  ${kind} by fold: ${xs
          .sort((a, b) => a[0] - b[0])
          .map(([f, v]) => `${f}=${v}`)
          .join(' ')}`,
    );
}

export function registerRuns(program: Command, globals: () => GlobalOptions): void {
  const runs = program
    .command('runs')
    .description('tracked runs (local tracking tables, or MLflow when tracking.uri is set)');
  runs
    .command('list')
    .description('list tracked runs, newest first, with status, duration and the headline metric')
    .option('--limit <n>', 'how many runs', positiveInt('--limit'), 20)
    .option('--all', 'include child runs (one per model)', false)
    .action(async (o: { limit: number; all: boolean }) => {
      const ctx = createContext('runs list', globals(), { reads: true });
      const client = mlflowFor(ctx);
      const opts = { limit: o.limit, topLevelOnly: !o.all };
      const list = client
        ? await listMlflowRuns(client, ctx.loaded.config.tracking.experiment, opts)
        : await listRuns(ctx.loaded.paths.tracking, opts);
      ctx.done(
        {
          backend: client ? 'mlflow' : 'local',
          runs: list.map((r) => ({ ...r, duration: runDuration(r), headline: headlineMetric(r.metrics) })),
        },
        [
          'run id                            name                          status    started                   ' +
            'duration  headline',
          ...list.map(
            (r) =>
              `${r.runId.padEnd(33)} ${r.name.slice(0, 29).padEnd(29)} ${r.status.padEnd(9)} ` +
              `${r.startTime.padEnd(25)} ` +
              `${runDuration(r).padEnd(9)} ${headlineMetric(r.metrics)}`,
          ),
        ],
      );
    });
  runs
    .command('show <id>')
    .description(
      'a run (tracking run id, a prefix of one, or the cvc run id logs and reports print) with its params, ' +
        'metrics (overall and per fold), children and artifacts',
    )
    .action(async (id: string) => {
      const ctx = createContext('runs show', globals(), { reads: true });
      const client = mlflowFor(ctx);
      const r = client
        ? await showMlflowRun(client, ctx.loaded.config.tracking.experiment, id)
        : await showRun(ctx.loaded.paths.tracking, id);
      ctx.done({ run: r }, [
        `${r.name} (${r.runId}) ${r.status}, ${r.startTime} .. ${r.endTime ?? 'running'} (${runDuration(r)})`,
        `  params: ${Object.entries(r.params)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}`,
        `  metrics: ${Object.entries(r.metrics)
          .map(([k, v]) => `${k}=${Number(v.toPrecision(4))}`)
          .join(', ')}`,
        ...Object.entries(r.metricsByStep).map(
          ([k, pts]) => `  ${k} by step: ${pts.map((p) => `${p.step}:${Number(p.value.toPrecision(4))}`).join(' ')}`,
        ),
        ...foldTagLines(r.tags),
        ...(r.children.length ? [`  children: ${r.children.join(', ')}`] : []),
        ...(r.artifacts.length ? [`  artifacts (${r.artifactDir}): ${r.artifacts.join(', ')}`] : []),
      ]);
    });
  runs
    .command('gc')
    .description('mark FAILED the runs left RUNNING by a cvc process on this host that is gone (killed, crashed)')
    .action(async () => {
      const ctx = createContext('runs gc', globals());
      const tracker = await openTracker(trackingSettings(ctx.loaded), { log: ctx.log });
      try {
        const marked = await failAbandonedRuns(tracker, ctx.log);
        ctx.done({ backend: tracker.backend, marked }, [
          `runs gc: ${marked.length} abandoned run(s) marked FAILED${marked.length ? `: ${marked.join(', ')}` : ''}`,
        ]);
      } finally {
        await tracker.close();
      }
    });
}
