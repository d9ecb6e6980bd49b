export * from './roles.js';
export * from './errors.js';
export * from './audit.js';
export * from './signaling.js';
export * from './sfuCluster.js';
export * from './timeZones.js';
export * from './visit.js';
export * from './invitations.js';
