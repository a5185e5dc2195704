// @cvc/demo-source: a deterministic, realistic stand-in for the Azure SQL sales source (cvc demo init).
export { generateDemoData, type GenerateResult } from './generate.js';
export { writeDemoSource, type WriteDemoResult } from './write.js';
export {
  DemoOptionsSchema,
  WriteDemoOptionsSchema,
  DemoOptionsError,
  parseDemoOptions,
  type DemoOptions,
  type DemoOptionsInput,
  type WriteDemoOptionsInput,
} from './options.js';
export { DEMO_REGIONAL_HOLIDAYS } from './regional-holidays.js';
export { BAD_ROW_KINDS, OUTLIER_BRL } from './bad-rows.js';
export { blackFriday, PLANNING_HORIZON_DAYS } from './promotions.js';
export type {
  StoreFormat,
  StoresTable,
  DailySalesTable,
  PromotionsTable,
  StateHolidaysTable,
  BadRow,
  BadRowKind,
  DemoData,
} from './tables.js';
export { STORE_FORMATS } from './tables.js';
export { demoDaysAfter, appendDemoSales, type LevelShift, type NextDays } from './next-days.js';
