// The promotion rule applied when train registers a version (registry.promote in config).
export type PromoteRule = 'manual' | 'better-wape' | 'always';

export interface PromotionDecision {
  promote: boolean;
  reason: string;
}

/** Lower WAPE is better. A version without a backtest WAPE never displaces a champion under better-wape. */
export function decidePromotion(
  rule: PromoteRule,
  candidateWape: number | null,
  champion: { version: number | string; wape: number | null } | undefined,
): PromotionDecision {
  if (rule === 'manual') return { promote: false, reason: 'promote rule is manual' };
  if (!champion) return { promote: true, reason: 'no champion yet' };
  if (rule === 'always') return { promote: true, reason: 'promote rule is always' };
  if (candidateWape === null || !Number.isFinite(candidateWape))
    return { promote: false, reason: 'candidate has no backtest WAPE' };
  if (champion.wape === null || !Number.isFinite(champion.wape))
    return { promote: true, reason: `champion ${champion.version} has no backtest WAPE` };
  if (candidateWape < champion.wape)
    return {
      promote: true,
      reason: `WAPE ${candidateWape.toFixed(4)} beats champion ${champion.version} (${champion.wape.toFixed(4)})`,
    };
  return {
    promote: false,
    reason: `WAPE ${candidateWape.toFixed(4)} does not beat champion ${champion.version} (${champion.wape.toFixed(4)})`,
  };
}

const ALIAS = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Aliases are names (champion, challenger); numbers are versions and "latest" is the newest version. */
export function isValidAlias(alias: string): boolean {
  return ALIAS.test(alias) && alias !== 'latest';
}
