// The bundle manifest lists the covariates the models were trained with (past, known-future, statics
// with their category values); infer refuses a bundle whose covariates the feature table lacks.
import { expect, test } from 'vitest';
import type { StoreSeries } from '@cvc/core';
import { covariatesOf, manifestSchema, missingCovariates } from '../src/index.js';

const store = (id: string, format: string, future: string[]): StoreSeries => ({
  storeId: id,
  start: '2025-01-01',
  sales: new Float64Array(3),
  past: { n_sales: new Float64Array(3) },
  future: Object.fromEntries(future.map((f) => [f, new Float64Array(3)])),
  statics: { format, state: 'SP' },
});

test('covariatesOf lists past, future and static covariates with the category values seen', () => {
  const c = covariatesOf([store('A', 'mall', ['is_open', 'school_holiday']), store('B', 'street', ['is_open'])]);
  expect(c).toEqual({
    past: ['n_sales'],
    future: ['is_open', 'school_holiday'],
    statics: { format: ['mall', 'street'], state: ['SP'] },
  });
  expect(manifestSchema.shape.covariates.parse(c)).toEqual(c);
});

test('missingCovariates names what the lake lacks; bundles without the list are not checked', () => {
  const trained = { covariates: covariatesOf([store('A', 'mall', ['is_open', 'school_holiday'])]) };
  expect(missingCovariates(trained, store('A', 'mall', ['is_open']))).toEqual(['future "school_holiday"']);
  expect(missingCovariates(trained, store('A', 'mall', ['is_open', 'school_holiday']))).toEqual([]);
  expect(missingCovariates({}, store('A', 'mall', []))).toEqual([]);
});

test('number statics are listed and a store without a finite value for one is named as lacking it', () => {
  const sized = (id: string, size: number | undefined): StoreSeries => ({
    ...store(id, 'mall', ['is_open']),
    statics: { format: 'mall', state: 'SP', assortment: id === 'A' ? 'a' : 'b' },
    ...(size === undefined ? {} : { numericStatics: { size_m2: size } }),
  });
  const c = covariatesOf([sized('A', 1200), sized('B', 450)]);
  expect(c.numericStatics).toEqual(['size_m2']);
  expect(c.statics['assortment']).toEqual(['a', 'b']);
  expect(manifestSchema.shape.covariates.parse(c)).toEqual(c);
  expect(missingCovariates({ covariates: c }, sized('C', 900))).toEqual([]);
  expect(missingCovariates({ covariates: c }, sized('C', Number.NaN))).toEqual(['static "size_m2"']);
  expect(missingCovariates({ covariates: c }, sized('C', undefined))).toEqual(['static "size_m2"']);
  // Bundles written without number statics list none.
  expect(covariatesOf([store('A', 'mall', [])]).numericStatics).toBeUndefined();
});
