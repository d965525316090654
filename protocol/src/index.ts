export * from './codec.js';
export * from './messages.js';
export * from './report.js';
export * from './topics.js';
export * from './transcript.js';
