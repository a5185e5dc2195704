// Seeded synthetic regression data shared by the binding tests and the cross-check with Python.

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(next: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

/**
 * Row-major X (nrow x ncol) and y = 3*x0 - 2*x1 + x2*x3 + effect of category (column `cat`) + noise.
 * Column `cat` holds integer codes 0..4.
 */
export function regression(nrow: number, ncol: number, seed: number, noise = 0.1) {
  const u = rng(seed);
  const g = gaussian(u);
  const X = new Float64Array(nrow * ncol);
  const y = new Float64Array(nrow);
  const cat = ncol - 1;
  const catEffect = [0, 2, -1, 0.5, -3];
  for (let i = 0; i < nrow; i++) {
    for (let j = 0; j < ncol; j++) X[i * ncol + j] = j === cat ? Math.floor(u() * 5) : u();
    const x = (j: number) => X[i * ncol + j]!;
    y[i] = 3 * x(0) - 2 * x(1) + x(2) * x(3) + catEffect[x(cat)]! + noise * g();
  }
  return { X, y, nrow, ncol, cat };
}
