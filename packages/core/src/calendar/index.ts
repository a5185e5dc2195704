// The Brazilian calendar: day numbers, Easter, holidays and the calendar feature columns.
export * from './days.js';
export * from './easter.js';
export * from './holidays.js';
export * from './features.js';
