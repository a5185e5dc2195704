// Throughput of the demo source generator (@cvc/demo-source): rows/s for generating in memory and for
// writing the DuckDB file, per store count. Each run is a fresh child process so peak RSS is its own;
// medians over runs because the machine is noisy.
//   node --conditions=source --import tsx bench/generator.ts [--stores 150,2000] [--runs 3] [--as-of 2025-12-31]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDemoData, writeDemoSource } from '../packages/demo-source/src/index.js';

interface Run {
  stores: number;
  rows: number;
  generateSeconds: number;
  writeSeconds: number;
  totalSeconds: number;
  peakRssMb: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

async function child(stores: number, asOf: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cvc-bench-gen-'));
  try {
    // Warm the JIT on a small run so the timing is the generator, not tsx compiling it.
    generateDemoData({ stores: 5, asOf: '2019-03-31' });
    const t0 = performance.now();
    const r = await writeDemoSource({ path: join(dir, 'demo.duckdb'), stores, asOf, from: '2019-01-01', seed: 42 });
    const total = (performance.now() - t0) / 1000;
    const run: Run = {
      stores,
      rows: r.dailySales,
      generateSeconds: r.generateSeconds,
      writeSeconds: r.writeSeconds,
      totalSeconds: total,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
    process.stdout.write(JSON.stringify(run));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const asOf = arg('as-of', '2025-12-31');
  if (process.argv.includes('--child')) return child(Number(arg('child-stores', '150')), asOf);
  const storeCounts = arg('stores', '150,2000').split(',').map(Number);
  const runs = Number(arg('runs', '3'));
  const self = fileURLToPath(import.meta.url);
  console.log(`demo source generator, 2019-01-01..${asOf}, seed 42, median of ${runs} runs`);
  console.log('stores      rows   gen s  write s  total s   gen rows/s  total rows/s  peak RSS MB');
  for (const stores of storeCounts) {
    const rs: Run[] = [];
    for (let k = 0; k < runs; k++) {
      const out = execFileSync(
        process.execPath,
        [...process.execArgv, self, '--child', '--child-stores', String(stores), '--as-of', asOf],
        {
          encoding: 'utf8',
          maxBuffer: 1 << 20,
        },
      );
      rs.push(JSON.parse(out) as Run);
    }
    const rows = rs[0]!.rows;
    const gen = median(rs.map((r) => r.generateSeconds));
    const write = median(rs.map((r) => r.writeSeconds));
    const total = median(rs.map((r) => r.totalSeconds));
    const rss = median(rs.map((r) => r.peakRssMb));
    console.log(
      [
        String(stores).padStart(6),
        String(rows).padStart(9),
        gen.toFixed(2).padStart(7),
        write.toFixed(2).padStart(8),
        total.toFixed(2).padStart(8),
        Math.round(rows / gen)
          .toLocaleString('en-US')
          .padStart(12),
        Math.round(rows / total)
          .toLocaleString('en-US')
          .padStart(13),
        rss.toFixed(0).padStart(12),
      ].join(' '),
    );
  }
}

await main();
