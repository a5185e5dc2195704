import { knownFutureCovariates, FUTURE_COVARIATES } from '@cvc/core';
import { DuckDBInstance, DuckDBDataChunk, INTEGER, DOUBLE, type DuckDBValue } from '@duckdb/node-api';
let t = performance.now();
const all = [];
for (let s = 0; s < 2000; s++) {
  all.push(knownFutureCovariates({ store: { state: 'SP', city: 'São Paulo', openedOn: '2010-01-01' }, from: '2019-01-01', days: 2557, promotions: [{ startDate: '2019-03-01', endDate: '2019-03-10', discountPct: 10 }], regionalHolidays: [{ state: 'SP', city: 'São Paulo', name: 'x', date: '2020-01-25' }], pandemic: { from: '2020-03-15', to: '2021-12-31' } }));
}
console.log('compute', (performance.now() - t) | 0);
const i = await DuckDBInstance.create(':memory:', { threads: '2' });
const c = await i.connect();
await c.run(`CREATE TABLE kf (a INTEGER, b INTEGER, ${FUTURE_COVARIATES.map((x) => `${x} ${x === 'promo' ? 'DOUBLE' : 'INTEGER'}`).join(', ')})`);
const app = await c.createAppender('kf');
const types = [INTEGER, INTEGER, ...FUTURE_COVARIATES.map((x) => (x === 'promo' ? DOUBLE : INTEGER))];
t = performance.now();
for (const kf of all) {
  const n = 2557;
  const cols = [new Int32Array(n), new Int32Array(n), ...FUTURE_COVARIATES.map((x) => (x === 'promo' ? kf[x] : Int32Array.from(kf[x])))];
  for (let off = 0; off < n; off += 2048) {
    const end = Math.min(n, off + 2048);
    const chunk = DuckDBDataChunk.create(types, end - off);
    chunk.setColumns(cols.map((a) => (a as Int32Array).subarray(off, end) as unknown as DuckDBValue[]));
    app.appendDataChunk(chunk);
  }
}
app.closeSync();
console.log('append', (performance.now() - t) | 0);
