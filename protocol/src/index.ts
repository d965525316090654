export * from './codec.js';
export * from './common.js';
export * from './examples.js';
export * from './messages.js';
export * from './report.js';
export * from './signals.js';
export * from './topics.js';
export * from './transcript.js';
