// @consortium/settlement has no code yet: the issue "Settlement, the node app and the local consortium" brings it.
// Until then this entry exports nothing, so nothing can depend on behaviour that does not exist.
export {};

// --- usage records and their private exchange (libs/settlement/src/records; one block, kept together for the merge) ---
export * from './records/index.js';
// --- end of usage records ---
