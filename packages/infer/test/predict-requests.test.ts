// `cvc predict` request rows: what the pyfunc loader sends, and bad rows named by row and field (exit 2).
import { describe, expect, it } from 'vitest';
import { InputError } from '@cvc/core';
import { parsePredictRequests } from '../src/predict.js';

describe('predict request rows', () => {
  it('reads store ids as text, the day of an ISO datetime, and an optional horizon', () => {
    expect(
      parsePredictRequests(
        [
          { store_id: 7, as_of_date: '2025-06-30T00:00:00' },
          { store_id: '8', as_of_date: '2025-06-29', horizon: 7 },
        ],
        'in',
      ),
    ).toEqual([
      { storeId: '7', asOf: '2025-06-30' },
      { storeId: '8', asOf: '2025-06-29', horizon: 7 },
    ]);
  });

  it('names the row and field of a bad request', () => {
    expect(() =>
      parsePredictRequests(
        [
          { store_id: '1', as_of_date: '2025-06-30' },
          { store_id: '2', as_of_date: '2025-02-30' },
        ],
        'in',
      ),
    ).toThrow(/in: row 1, field as_of_date/);
    expect(() => parsePredictRequests([{ store_id: '1', as_of_date: '2025-06-30', horizon: 0 }], 'in')).toThrow(
      /row 0, field horizon/,
    );
    expect(() => parsePredictRequests({ rows: [] }, 'in')).toThrow(InputError);
    expect(() => parsePredictRequests([], 'in')).toThrow(/no rows/);
  });
});
