import type { Command } from 'commander';
import { InputError } from '@cvc/core';
import { listRuns, mlflowTarget, showRun } from '@cvc/mlops';
import { createContext, type GlobalOptions } from '../context.js';
import { positiveInt } from './options.js';

function localOnly(ctx: ReturnType<typeof createContext>): void {
  const t = ctx.loaded.config.tracking;
  if (mlflowTarget({ uri: t.uri, ...(t.token ? { token: t.token } : {}) })) {
    throw new InputError('runs: tracking goes to MLflow (tracking.uri or MLFLOW_TRACKING_URI is set); browse runs in the MLflow UI');
  }
}

export function registerRuns(program: Command, globals: () => GlobalOptions): void {
  const runs = program.command('runs').description('tracked runs in the local tracking tables (data/tracking)');
  runs
    .command('list')
    .description('list tracked runs, newest first')
    .option('--limit <n>', 'how many runs', positiveInt('--limit'), 20)
    .option('--all', 'include child runs (one per model)', false)
    .action(async (o: { limit: number; all: boolean }) => {
      const ctx = createContext('runs list', globals(), { reads: true });
      localOnly(ctx);
      const list = await listRuns(ctx.loaded.paths.tracking, { limit: o.limit, topLevelOnly: !o.all });
      ctx.done({ runs: list }, [
        'run id                                name                          status    started',
        ...list.map((r) => `${r.runId.padEnd(37)} ${r.name.slice(0, 29).padEnd(29)} ${r.status.padEnd(9)} ${r.startTime}`),
      ]);
    });
  runs
    .command('show <id>')
    .description('a run with its params, metrics (overall and per fold), children and artifacts')
    .action(async (id: string) => {
      const ctx = createContext('runs show', globals(), { reads: true });
      localOnly(ctx);
      const r = await showRun(ctx.loaded.paths.tracking, id);
      ctx.done({ run: r }, [
        `${r.name} (${r.runId}) ${r.status}, ${r.startTime} .. ${r.endTime ?? 'running'}`,
        `  params: ${Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(', ')}`,
        `  metrics: ${Object.entries(r.metrics).map(([k, v]) => `${k}=${Number(v.toPrecision(4))}`).join(', ')}`,
        ...Object.entries(r.metricsByStep).map(([k, pts]) => `  ${k} by fold: ${pts.map((p) => `${p.step}:${Number(p.value.toPrecision(4))}`).join(' ')}`),
        ...(r.children.length ? [`  children: ${r.children.join(', ')}`] : []),
        ...(r.artifacts.length ? [`  artifacts (${r.artifactDir}): ${r.artifacts.join(', ')}`] : []),
      ]);
    });
}
