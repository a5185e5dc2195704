// The demo's line for a simulated day says which observed days its chain WAPE covers and over how many
// open stores: the run of 2 January is judged on New Year's Day, when only a few stores open.
import { describe, expect, it } from 'vitest';
import type { Accuracy } from '@cvc/monitor';
import { simulatedDayLine, type SimulatedDay } from '../src/simulate.js';

const acc = (wape: number): Accuracy & { model: string } => ({
  n: 1,
  days: 1,
  absError: wape,
  actual: 1,
  error: wape,
  inInterval: 1,
  wape,
  bias: wape,
  coverage: 1,
  model: 'lgbm',
});

const steps: SimulatedDay['steps'] = (['ingest', 'infer', 'monitor'] as const).map((step) => ({
  step,
  outcome: 'ok',
  attempts: 1,
  seconds: 0,
}));

describe('simulatedDayLine', () => {
  it('names the observed days and the open stores behind the chain WAPE', () => {
    const day: SimulatedDay = {
      today: '2026-01-02',
      steps,
      alerts: [],
      monitor: {
        metrics: {
          chain: acc(0.679),
          byStore: new Map(['1', '4', '40'].map((id) => [id, acc(0.7)])),
          daily: [{ date: '2026-01-01', bucket: '1-7', wape: 0.679, coverage: 0.43 }],
        },
      },
    };
    expect(simulatedDayLine(day, 128)).toBe(
      'daily 2026-01-02: 128 sales rows, ingest ok, infer ok, monitor ok; ' +
        'chain WAPE 67.9% (2026-01-01, 3 open store(s)); alerts: none',
    );
  });

  it('gives the span of observed days and how many stores each alert names', () => {
    const day: SimulatedDay = {
      today: '2026-01-09',
      steps,
      alerts: [
        { kind: 'bias', message: '', stores: ['2', '7'], chain: false, numbers: {} },
        { kind: 'coverage', message: '', stores: ['7'], chain: false, numbers: {} },
        { kind: 'accuracy_drift', message: '', stores: [], chain: true, numbers: {} },
      ],
      monitor: {
        metrics: {
          chain: acc(0.162),
          byStore: new Map([['2', acc(0.2)]]),
          daily: ['2026-01-08', '2026-01-01', '2026-01-02'].map((date) => ({
            date,
            bucket: '1-7' as const,
            wape: 0.2,
            coverage: 1,
          })),
        },
      },
    };
    expect(simulatedDayLine(day, 132)).toContain(
      'chain WAPE 16.2% (2026-01-01..2026-01-08, 1 open store(s)); alerts: bias (2 stores), coverage (1 store), ' +
        'accuracy_drift (the chain)',
    );
  });
});
