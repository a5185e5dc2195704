// The rebuild collects the known-future stage's JS garbage before its feature commit, the run's peak
// of memory (issue 13: ~200 MB of it sat beside DuckDB's buffers at 2,000 stores).
import { expect, it } from 'vitest';
import { collectGarbage } from '../src/memory.js';

it('collectGarbage frees unreachable objects at once, without --expose-gc on the command line', () => {
  let junk: { i: number; s: string }[] | null = Array.from({ length: 500_000 }, (_, i) => ({ i, s: `x${i}` }));
  expect(junk).toHaveLength(500_000);
  const before = process.memoryUsage().heapUsed;
  junk = null;
  collectGarbage();
  const freed = before - process.memoryUsage().heapUsed;
  expect(freed).toBeGreaterThan(10 * 2 ** 20);
});
