// The oracle gate: a missing oracle fails (naming the fix), an explicit CVC_SKIP_ORACLES skips and says so.
import { describe, expect, it, vi } from 'vitest';
import { skippedOracles, useOracle } from '../../../test-support/oracles.js';

describe('useOracle', () => {
  it('fails when an oracle is missing and not opted out', async () => {
    await expect(useOracle('chromium', { PATH: '/nonexistent' })).rejects.toThrow(
      /oracle chromium is missing: .*npm run setup:test.*CVC_SKIP_ORACLES=chromium/,
    );
    await expect(useOracle('delta-rs', { PATH: '/nonexistent' })).rejects.toThrow(/oracle delta-rs is missing/);
  });

  it('skips only what CVC_SKIP_ORACLES names, and prints it', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await useOracle('spark', { PATH: '/nonexistent', CVC_SKIP_ORACLES: 'mlflow, spark' })).toBe(false);
      expect(stderr).toHaveBeenCalledWith(expect.stringContaining('skipping the tests that need spark'));
      await expect(useOracle('chromium', { PATH: '/nonexistent', CVC_SKIP_ORACLES: 'spark' })).rejects.toThrow(
        /missing/,
      );
      expect(await useOracle('dist', { CVC_SKIP_ORACLES: 'all' })).toBe(false);
    } finally {
      stderr.mockRestore();
    }
  });

  it('rejects an unknown name in CVC_SKIP_ORACLES', () => {
    expect(() => skippedOracles({ CVC_SKIP_ORACLES: 'sparkk' })).toThrow(/unknown oracle "sparkk"/);
  });

  it('passes when the oracle is there (dist/ is built before the CLI tests)', async () => {
    expect(await useOracle('dist', {})).toBe(true);
  });
});
