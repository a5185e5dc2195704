export * from './forecaster.js';
export * from './errors.js';
export * from './config/index.js';
export * from './log.js';
export * from './features/columns.js';
export * from './calendar/index.js';
