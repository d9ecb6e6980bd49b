export * from './roles.js';
export * from './errors.js';
export * from './audit.js';
export * from './signaling.js';
export * from './visit.js';
