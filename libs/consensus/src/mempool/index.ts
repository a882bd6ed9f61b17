/** The bounded, deduplicating, replay-refusing mempool and the errors of its misuse. */
export { Mempool, DEFAULT_REMEMBERED_COMMITTED_TXS, peerQuotaFor } from './mempool.js';
export type { AddTxResult, TxRejectReason, TxOrigin, MempoolOptions, MempoolDeps, LocalTxsDroppedListener } from './mempool.js';
export { MempoolArgumentError, MempoolUpdateOrderError } from './errors.js';
