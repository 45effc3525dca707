export * from './contract.js';
export type * from './seams.js';
