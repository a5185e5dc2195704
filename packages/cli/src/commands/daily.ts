// `cvc daily`: incremental ingest -> infer -> monitor in one process under one lock and one run id, for
// cron. Transient failures are retried with backoff; when ingest fails but the lake's data is still
// fresh enough, the forecast is made from it and an alert says so. Alerts go to alerts.webhook.
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  AlertsFiredError,
  BusyError,
  acquireLockFile,
  clearLockHint,
  dayFromDate,
  exitCodeOf,
  formatIsoDay,
  parseIsoDay,
  silentLogger,
  type LoadedConfig,
  type Logger,
} from '@cvc/core';
import { lakeTables, lastFeatureDay } from '@cvc/feature-table';
import { runIngest, type IngestSummary } from '@cvc/ingest';
import { resolveBundle, runInfer, type InferResult } from '@cvc/infer';
import {
  monitorSummary,
  postAlerts,
  runMonitor,
  type Alert,
  type MonitorResult,
  type WebhookOutcome,
} from '@cvc/monitor';
import { createContext, fmt, type GlobalOptions } from '../context.js';
import { withRetries } from '../retry.js';
import { failOn, isoDate } from './options.js';
import { monitorLines } from './monitor.js';

export type StepName = 'ingest' | 'infer' | 'monitor';

export interface StepOutcome {
  step: StepName;
  /** fallback: infer ran on the lake's data after ingest failed. */
  outcome: 'ok' | 'failed' | 'skipped' | 'fallback';
  attempts: number;
  seconds: number;
  error?: string;
  exitCode?: number;
}

export interface DailyOptions {
  loaded: LoadedConfig;
  runId: string;
  /** The run's day (ingest's future-date cut, staleness, model age); default today (UTC). */
  today?: string;
  log?: Logger;
}

export interface DailyResult {
  runId: string;
  today: string;
  /** 0 ok, 1 a step failed, 2 bad input stopped the forecast, 3 lock held. 4 is the caller's (--fail-on). */
  exitCode: 0 | 1 | 2 | 3;
  steps: StepOutcome[];
  ingest: IngestSummary | null;
  infer: InferResult | null;
  monitor: MonitorResult | null;
  alerts: Alert[];
  webhook: WebhookOutcome | null;
  seconds: number;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

/** The lock `cvc daily` holds over its whole chain (on local disk, also for a remote lake). */
export function dailyLockPath(loaded: Pick<LoadedConfig, 'paths'>): string {
  return join(loaded.paths.lakeLocal ?? loaded.paths.lake, 'daily.lock');
}

export async function runDaily(opts: DailyOptions): Promise<DailyResult> {
  const t0 = performance.now();
  const { loaded, runId } = opts;
  const log = opts.log ?? silentLogger;
  const today = opts.today ?? formatIsoDay(dayFromDate(new Date()));
  const retry = { retries: loaded.config.daily.retries, backoffMs: loaded.config.daily.backoffMs };
  const steps: StepOutcome[] = [];
  const alerts: Alert[] = [];
  const result: DailyResult = {
    runId,
    today,
    exitCode: 0,
    steps,
    ingest: null,
    infer: null,
    monitor: null,
    alerts,
    webhook: null,
    seconds: 0,
  };

  // One lock for the whole chain: a second cron run waits, then exits 3 without touching anything.
  const lockPath = dailyLockPath(loaded);
  await mkdir(dirname(lockPath), { recursive: true }); // the first run of a new project has no lake yet
  const timeoutSec = loaded.config.infer.lockTimeoutSec;
  const lock = await acquireLockFile(lockPath, {
    timeoutMs: timeoutSec * 1000,
    maxAgeMs: loaded.config.infer.lockMaxAgeSec * 1000,
    holder: `run ${runId}`,
    onTimeout: (o) =>
      new BusyError(
        `another cvc daily (${o ? `pid ${o.pid} on ${o.host}, ${o.holder ?? 'a run'}` : 'a run'}) holds ${lockPath}; ` +
          `gave up after ${timeoutSec} s; ${clearLockHint(lockPath)}`,
      ),
  });
  try {
    const step = async <T>(name: StepName, fn: () => Promise<T>): Promise<{ value?: T; error?: unknown }> => {
      const s0 = performance.now();
      const r = await withRetries(fn, {
        ...retry,
        onRetry: (attempt, err, delayMs) =>
          log.warn({ step: name, attempt, delayMs, err: message(err) }, `${name} failed transiently; retrying`),
      });
      const seconds = (performance.now() - s0) / 1000;
      if (r.error === undefined) steps.push({ step: name, outcome: 'ok', attempts: r.attempts, seconds });
      else {
        steps.push({
          step: name,
          outcome: 'failed',
          attempts: r.attempts,
          seconds,
          error: message(r.error),
          exitCode: exitCodeOf(r.error),
        });
        log.error({ step: name, attempts: r.attempts, err: message(r.error) }, `${name} failed`);
      }
      return r;
    };

    const ingest = await step('ingest', () => runIngest({ loaded, runId, today, log }));
    result.ingest = ingest.value ?? null;
    let inferAllowed = ingest.error === undefined;
    if (ingest.error !== undefined) {
      const last = await lakeLastDay(loaded);
      const age = last === null ? null : parseIsoDay(today) - parseIsoDay(last);
      inferAllowed = age !== null && age <= loaded.config.infer.staleDays;
      alerts.push({
        kind: 'ingest_failed',
        message: inferAllowed
          ? `ingest failed (${message(ingest.error)}); forecast from the lake's data up to ${last} (${age} day(s) old)`
          : `ingest failed (${message(ingest.error)}); the lake's data (last day ${last ?? 'none'}) ` +
            'is older than infer.staleDays ' +
            `(${loaded.config.infer.staleDays}), no forecast made`,
        stores: [],
        chain: true,
        numbers: {
          chain: {
            lastFeatureDay: last,
            ageDays: age,
            staleDays: loaded.config.infer.staleDays,
            exitCode: exitCodeOf(ingest.error),
          },
        },
      });
      if (!inferAllowed) result.exitCode = exitCodeOf(ingest.error) as 1 | 2 | 3;
    }

    if (inferAllowed) {
      const infer = await step('infer', async () => {
        const bundle = await resolveBundle(loaded, undefined, log);
        return runInfer({ loaded, ...bundle, runId, log });
      });
      result.infer = infer.value ?? null;
      if (infer.error !== undefined) {
        result.exitCode = exitCodeOf(infer.error) as 1 | 2 | 3;
        alerts.push(stepFailed('infer', infer.error));
      } else if (ingest.error !== undefined) {
        steps[steps.length - 1]!.outcome = 'fallback';
      }
    } else {
      steps.push({ step: 'infer', outcome: 'skipped', attempts: 0, seconds: 0 });
    }

    const monitor = await step('monitor', () => runMonitor({ loaded, runId, today, log, earlierAlerts: [...alerts] }));
    result.monitor = monitor.value ?? null;
    if (monitor.value) alerts.push(...monitor.value.alerts);
    if (monitor.error !== undefined) {
      alerts.push(stepFailed('monitor', monitor.error));
      if (result.exitCode === 0) result.exitCode = exitCodeOf(monitor.error) as 1 | 2 | 3;
    }
  } finally {
    await lock.release();
  }

  // After the forecast is written: a slow or dead endpoint costs at most its timeouts, never the run.
  const hook = loaded.config.alerts;
  if (hook.webhook && alerts.length > 0) {
    result.webhook = await postAlerts(
      { url: hook.webhook, timeoutMs: hook.timeoutMs, retries: hook.retries },
      { source: 'cvc', command: 'daily', runId, today, alerts, exitCode: result.exitCode, steps },
      log,
    );
  }
  result.seconds = (performance.now() - t0) / 1000;
  return result;
}

function stepFailed(step: StepName, err: unknown): Alert {
  return {
    kind: 'step_failed',
    message: `${step} failed: ${message(err)}`,
    stores: [],
    chain: true,
    numbers: { chain: { step, exitCode: exitCodeOf(err) } },
  };
}

async function lakeLastDay(loaded: LoadedConfig): Promise<string | null> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    return await lastFeatureDay(conn, lakeTables(loaded));
  } catch {
    return null;
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

export function dailySummary(r: DailyResult): Record<string, unknown> {
  return {
    today: r.today,
    exitCode: r.exitCode,
    steps: r.steps,
    seconds: r.seconds,
    ingest: r.ingest
      ? { rowsRead: r.ingest.rowsRead, rowsMerged: r.ingest.rowsMerged, lastDay: r.ingest.lastDay }
      : null,
    infer: r.infer
      ? {
          asOf: r.infer.asOf,
          storesForecast: r.infer.storesForecast,
          skipped: r.infer.skipped.length,
          rows: r.infer.rows,
          bundleVersion: r.infer.bundleVersion,
        }
      : null,
    monitor: r.monitor ? monitorSummary(r.monitor) : null,
    alerts: r.alerts,
    webhook: r.webhook,
  };
}

export function registerDaily(program: Command, globals: () => GlobalOptions): void {
  program
    .command('daily')
    .description(
      'for cron: incremental ingest, then infer, then monitor, in one process with one run id; ' +
        'retries transient failures',
    )
    .option('--today <date>', "the run's day (default today, UTC)", isoDate('--today'))
    .option('--fail-on <when>', 'alert: exit 4 when any alert fires; never: only report them', failOn, 'never')
    .addHelpText(
      'after',
      '\nExit codes: 0 ok; 1 a step failed; 2 bad usage, config or input; 3 another daily run held the lock; ' +
        '4 alerts fired with --fail-on alert.',
    )
    .action(async (o: { today?: string; failOn: 'alert' | 'never' }) => {
      const ctx = createContext('daily', globals());
      const r = await runDaily({
        loaded: ctx.loaded,
        runId: ctx.runId,
        log: ctx.log,
        ...(o.today ? { today: o.today } : {}),
      });
      ctx.done(dailySummary(r), [
        `daily ${r.today}: ${r.steps
          .map((s) => `${s.step} ${s.outcome}${s.attempts > 1 ? ` (${s.attempts} attempts)` : ''} ${fmt.s(s.seconds)}`)
          .join(', ')}; total ${fmt.s(r.seconds)}`,
        ...r.steps.filter((s) => s.error).map((s) => `  ${s.step}: ${s.error}`),
        ...(r.infer
          ? [
              `  infer: ${r.infer.storesForecast} stores forecast from ${r.infer.asOf}, ` +
                `${r.infer.skipped.length} skipped`,
            ]
          : []),
        ...(r.monitor ? monitorLines(r.monitor) : []),
        ...r.alerts
          .filter((a) => a.kind === 'ingest_failed' || a.kind === 'step_failed')
          .map((a) => `  ALERT ${a.kind}: ${a.message}`),
        ...(r.webhook
          ? [
              `  webhook: ${r.webhook.sent ? 'sent' : `not sent (${r.webhook.error})`} ` +
                `after ${r.webhook.attempts} attempt(s)`,
            ]
          : []),
      ]);
      if (r.exitCode !== 0) {
        const failed = r.steps.find((s) => s.outcome === 'failed');
        throw Object.assign(new Error(`daily: ${failed ? `${failed.step} failed: ${failed.error}` : 'failed'}`), {
          exitCode: r.exitCode,
        });
      }
      if (o.failOn === 'alert' && r.alerts.length > 0) {
        throw new AlertsFiredError(
          `${r.alerts.length} alert(s) fired: ${[...new Set(r.alerts.map((a) => a.kind))].join(', ')} ` +
            '(--fail-on alert)',
        );
      }
    });
}
