// Each failure maps to one exit code: the user's input (config, flags, model params, a saved model of
// another kind) exits 2, a job that broke exits 1. These go through the CLI's own reportFailure.
import { describe, expect, it, vi } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { AlertsFiredError, BusyError, ForecastInputError, InputError, JobError, ModelError } from '@cvc/core';
import { forecasterFactory } from '@cvc/models';
import { DeltaError, stageColumns } from '@cvc/lakehouse';
import { reportFailure } from '../src/errors.js';

function exitOf(fn: () => unknown): number {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a throw').toBeInstanceOf(Error);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return reportFailure(caught, false);
  } finally {
    stderr.mockRestore();
  }
}

describe('exit codes', () => {
  it('maps each error class to its code', () => {
    expect(
      exitOf(() => {
        throw new ForecastInputError('lgbm: store 7 lacks future covariate "promo"');
      }),
    ).toBe(2);
    expect(new ForecastInputError('x')).toBeInstanceOf(InputError);
    expect(
      exitOf(() => {
        throw new ModelError('training diverged');
      }),
    ).toBe(1);
    expect(new ModelError('x')).toBeInstanceOf(JobError);
    expect(
      exitOf(() => {
        throw new BusyError('locked');
      }),
    ).toBe(3);
    expect(
      exitOf(() => {
        throw new AlertsFiredError('alerts');
      }),
    ).toBe(4);
  });

  it('a bad parameter is exit 2 for every model, not only LightGBM', async () => {
    for (const [kind, params] of [
      ['lgbm', { numLeavez: 31 }],
      ['nbeats', { hiddenSize: 'wide' }],
      ['nbeats', { architecture: 'bogus' }],
      ['tft', { bogus: 1 }],
      ['tft', { hiddenSize: 30, numHeads: 4 }],
    ] as const) {
      const factory = await forecasterFactory(kind);
      expect(
        exitOf(() => factory.create(params)),
        `${kind} ${JSON.stringify(params)}`,
      ).toBe(2);
    }
  });

  it('a lakehouse misuse is a typed job error (exit 1)', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const err = await stageColumns(conn, 'bad', [
        { name: 'a', type: 'INTEGER', values: [1, 2] },
        { name: 'b', type: 'INTEGER', values: [1] },
      ]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DeltaError);
      expect(
        exitOf(() => {
          throw err;
        }),
      ).toBe(1);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });
});
