// The store master: where each store is, its format, when it opened and (for some) closed, plus the
// hidden traits that shape its sales. Traits stay inside the generator; the source only shows the master.
import { dayFromYmd } from '@cvc/core';
import { UFS } from './places.js';
import { mixSeed, Rng } from './random.js';
import type { StoreFormat } from './tables.js';

export interface Store {
  storeId: number;
  storeName: string;
  state: string;
  city: string;
  format: StoreFormat;
  openedOn: number;
  closedOn: number | null; // last day open
  // Store-master attributes (source.storeColumns.statics in the demo config), derived from the
  // traits without drawing from the random stream, so every other column stays as it was:
  sizeM2: number; // sales floor, from the level at the format's sales per m2
  assortment: Assortment; // fuller assortments respond more to promotions (promoElasticity)
  // Hidden traits:
  level: number; // typical BRL per day at maturity, before calendar effects
  growthPerYear: number; // log growth per year
  noiseSigma: number; // scale of the day-to-day log noise
  closedSundays: boolean; // street stores only
  avgTicket: number; // BRL per sale
  promoElasticity: number; // sales lift per 100% discount
}

const MEDIAN_LEVEL: Record<StoreFormat, number> = { mall: 11_000, street: 7_000, airport: 14_000 };
/** BRL per m2 and day at the median level: airports sell more per m2 than malls, malls than streets. */
const SALES_PER_M2: Record<StoreFormat, number> = { mall: 30, street: 22, airport: 70 };
export type Assortment = 'basic' | 'standard' | 'full';

/** The store's assortment: the promotion elasticity's third (1.5..3.5). */
function assortmentOf(promoElasticity: number): Assortment {
  return promoElasticity < 2.17 ? 'basic' : promoElasticity < 2.83 ? 'standard' : 'full';
}
const STREAM_STORES = 1;

/** Generates `count` stores deterministically from `seed`; store ids are 1..count. */
export function generateStores(count: number, seed: number, fromDay: number, asOfDay: number): Store[] {
  const rng = new Rng(mixSeed(seed, STREAM_STORES));
  const used = new Map<string, number>();
  const ufWeights = UFS.map((u) => u.weight);
  const stores: Store[] = [];
  const historyStart = dayFromYmd(2005, 1, 1);
  const covidStart = dayFromYmd(2020, 4, 1);
  const covidEnd = dayFromYmd(2021, 6, 30);
  for (let i = 0; i < count; i++) {
    const uf = UFS[rng.weighted(ufWeights)]!;
    const city = uf.cities[rng.weighted(uf.cities.map((c) => c.weight))]!;
    const u = rng.next();
    const format: StoreFormat = city.airport && u < 0.1 ? 'airport' : u < 0.65 ? 'mall' : 'street';
    const base =
      format === 'airport'
        ? `CVC ${city.airport}`
        : format === 'mall'
          ? `CVC ${rng.pick(city.malls)}`
          : `CVC ${rng.pick(city.streets)}`;
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    const storeName = n === 1 ? base : `${base} ${n}`;

    // Most stores predate the history; the rest open during it (at least 90 days before the as-of
    // date when the range allows, so every store has some history).
    const lastOpen = Math.max(fromDay, asOfDay - 90);
    const openedOn =
      rng.chance(0.65) || lastOpen <= fromDay ? rng.int(historyStart, fromDay - 1) : rng.int(fromDay, lastOpen);
    let closedOn: number | null = null;
    if (rng.chance(0.12)) {
      // Half of closures come with the pandemic; a store lives at least a year and closes before as-of.
      const lo = Math.max(openedOn + 365, fromDay + 30);
      const hi = asOfDay - 30;
      const pandemic = rng.chance(0.5);
      const a = pandemic ? Math.max(lo, covidStart) : lo;
      const b = pandemic ? Math.min(hi, covidEnd) : hi;
      if (a <= b) closedOn = rng.int(a, b);
    }
    // The draws keep their order (level first, promoElasticity last): the random stream is unchanged.
    const traits = {
      level: MEDIAN_LEVEL[format] * Math.exp(0.45 * rng.normal()),
      growthPerYear: 0.03 + 0.05 * rng.normal(),
      noiseSigma: rng.uniform(0.12, 0.24),
      closedSundays: format === 'street' && rng.chance(0.75),
      avgTicket: rng.uniform(1_500, 3_200),
      promoElasticity: rng.uniform(1.5, 3.5),
    };
    stores.push({
      storeId: i + 1,
      storeName,
      state: uf.uf,
      city: city.name,
      format,
      openedOn,
      closedOn,
      sizeM2: Math.round(traits.level / SALES_PER_M2[format] / 10) * 10,
      assortment: assortmentOf(traits.promoElasticity),
      ...traits,
    });
  }
  return stores;
}
