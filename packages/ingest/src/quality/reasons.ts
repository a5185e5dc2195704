// Why a row was quarantined. A row gets the first reason that applies, in this order, so the
// counts by reason add up to the rows quarantined.

export const SALES_REASONS = [
  'missing_store_id',
  'missing_date',
  'invalid_date',
  'non_numeric_sales',
  'missing_sales',
  'negative_sales',
  'future_date',
  'unknown_store',
  'outside_open_life',
  'sales_out_of_bounds',
  'n_sales_out_of_bounds',
  'invalid_is_open',
  'invalid_updated_at',
  'non_numeric_extra',
] as const;

export const REFERENCE_REASONS = ['invalid_store', 'duplicate_store', 'invalid_promotion', 'invalid_holiday'] as const;

export type QuarantineReason = (typeof SALES_REASONS)[number] | (typeof REFERENCE_REASONS)[number];
