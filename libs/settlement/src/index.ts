export * from './domain/types.js';
export * from './tx/types.js';
export * from './tx/codec.js';
export * from './tx/signing.js';
export * from './errors.js';
export { SETTLEMENT_LIMITS_TABLE } from './limits.js';
