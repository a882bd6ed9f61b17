import type { MetricArea } from './types.js';

/**
 * Every span name a consortium process emits, with its attributes, documented in
 * docs/metrics.md next to the metrics. Code starts spans by these names (`spanCatalogue.x.name`).
 */
export interface SpanDefinition {
  readonly name: string;
  readonly area: MetricArea;
  readonly description: string;
  /** Attribute name -> what it holds. */
  readonly attributes: Readonly<Record<string, string>>;
}

export const spanCatalogue = {
  apiRequest: {
    name: 'api.request',
    area: 'api',
    description: "One HTTP request to the node's API, from its arrival to the response; the handler runs with it active, so a transaction's admission (consensus.check_tx, consensus.tx) or a statement's proving (zkp.prove) is its child. A W3C traceparent header makes it part of the client's trace.",
    attributes: {
      'http.request.method': 'the method',
      'http.route': 'the route pattern (/v1/blocks/:height), or unmatched; never the raw URL',
      'http.response.status_code': 'the status sent',
      'http.request.aborted': 'true when the client went away before the response',
    },
  },
  consensusCheckTx: {
    name: 'consensus.check_tx',
    area: 'consensus',
    description: "A client's transaction admitted to the mempool (consensus.submitTx): the duplicate and replay checks, then the application's checkTx (settlement.verify_proofs for a statement). Child of the request that submitted it.",
    attributes: { 'tx.bytes': 'size of the transaction', 'mempool.outcome': 'accepted, or the refusal: full, duplicate, committed, invalid, oversized' },
  },
  consensusHeight: {
    name: 'consensus.height',
    area: 'consensus',
    description: 'One height at this node: from the start of round 0 to the commit of the block (or its arrival through sync).',
    attributes: {
      'consensus.height': 'the height',
      'consensus.rounds': 'rounds it took (1 when round 0 decided)',
      'consensus.txs': 'transactions in the committed block',
      'consensus.proposer': 'member id of the block proposer',
    },
  },
  consensusTx: {
    name: 'consensus.tx',
    area: 'consensus',
    description: "One transaction, from admission to this node's mempool to the commit of its block; linked to that block's consensus.height span. A client's transaction is the child of its API request and the parent of consensus.tx.proposal and consensus.tx.commit; one gossiped by a peer is a root.",
    attributes: { 'tx.hash': 'hex SHA-256 of the transaction', 'consensus.height': 'height of the block that committed it' },
  },
  consensusTxProposal: {
    name: 'consensus.tx.proposal',
    area: 'consensus',
    description: "A client's transaction in the proposal that decided its height: from when this node built or received that proposal to the decision. Child of consensus.tx; linked to the height's consensus.height span (which covers every transaction of the block).",
    attributes: { 'consensus.height': 'the height', 'consensus.round': 'round of the decided proposal', 'consensus.proposer': 'member id of its proposer' },
  },
  consensusTxCommit: {
    name: 'consensus.tx.commit',
    area: 'consensus',
    description: "A client's transaction in the commit of its block: the application's finalize_block, the block stored, the application's commit. Child of consensus.tx, parent of settlement.finalize_block.tx; linked to consensus.height.",
    attributes: { 'consensus.height': 'the height' },
  },
  consensusSync: {
    name: 'consensus.sync',
    area: 'consensus',
    description: 'A block-sync run: fetching, verifying and applying blocks from a peer until caught up.',
    attributes: {
      'sync.from_height': 'first height fetched',
      'sync.to_height': 'last height applied',
      'sync.peer': 'member id of the peer served the blocks',
    },
  },
  consensusReplay: {
    name: 'consensus.replay',
    area: 'consensus',
    description: 'Start-up replay of the consensus WAL of the height being resumed; a failure halts the node (WalReplayError).',
    attributes: { 'consensus.height': 'the height resumed', 'wal.entries': 'entries replayed' },
  },
  consensusSyncRequest: {
    name: 'consensus.sync.request',
    area: 'consensus',
    description: 'One block-sync request to a peer and the check and application of what it served.',
    attributes: {
      'sync.peer': 'member id of the peer asked',
      'sync.from_height': 'first height asked for',
      'sync.blocks': 'blocks applied from the answer',
      'sync.outcome': 'ok, timeout, empty, malformed, bad_block, refused or failed',
    },
  },
  p2pPrivateSend: {
    name: 'p2p.private.send',
    area: 'p2p',
    description: "One private message (the record exchange) sent to one member: the offer, the receiver's authorization, the body and its delivery.",
    attributes: {
      'p2p.member': 'member id of the receiver',
      'p2p.body_bytes': 'bytes of the body',
      'p2p.outcome': 'delivered, or the error: unauthorized, too_large, rate_limited, no_handler, handler_failed, malformed, not_connected, timeout, aborted or failed',
    },
  },
  p2pPrivateReceive: {
    name: 'p2p.private.receive',
    area: 'p2p',
    description: 'One private message received from one member: the offer checked and authorized, the body read and delivered to the application.',
    attributes: {
      'p2p.member': 'member id of the sender',
      'p2p.body_bytes': 'bytes of the body declared in the offer',
      'p2p.outcome': 'delivered, or the refusal: unauthorized, too_large, rate_limited, no_handler, handler_failed, malformed, or failed (the stream ended)',
    },
  },
  zkpProve: {
    name: 'zkp.prove',
    area: 'zkp',
    description: 'One proof job, from prove() to its result: admission, queue wait, witness calculation and Groth16 proving in a worker, self-verification. Parent of zkp.admission and zkp.self_verify.',
    attributes: {
      'zkp.circuit': 'circuit name',
      'zkp.epoch': 'key epoch',
      'zkp.queue_wait_ms': 'milliseconds spent waiting for a worker',
      'zkp.run_ms': 'milliseconds the job held a worker (dispatch to verified proof)',
      'zkp.witness_ms': 'milliseconds of witness calculation',
      'zkp.prove_ms': 'milliseconds of Groth16 proving',
      'zkp.outcome': 'proved, failed, timeout, cancelled or rejected',
    },
  },
  zkpAdmission: {
    name: 'zkp.admission',
    area: 'zkp',
    description: 'The admission decision for a proof job: can it finish within its timeout, given the queue ahead and the estimated run time?',
    attributes: {
      'zkp.circuit': 'circuit name',
      'zkp.admitted': 'whether the job was queued',
      'zkp.reason': 'why it was refused: queue_full or deadline_at_admission',
      'zkp.estimate_ms': "estimated run time of one proof of the circuit (absent before the pool's first proof of it)",
      'zkp.predicted_start_ms': 'milliseconds until a worker is expected to take the job',
      'zkp.timeout_ms': "the job's timeout",
    },
  },
  zkpSelfVerify: {
    name: 'zkp.self_verify',
    area: 'zkp',
    description: 'The prover pool verifying a proof it made against the pinned verification key before handing it out.',
    attributes: { 'zkp.circuit': 'circuit name', 'zkp.valid': 'whether the proof verified (false: refused, never handed out)' },
  },
  zkpVerify: {
    name: 'zkp.verify',
    area: 'zkp',
    description: 'Verification of one proof, or of a batch of proofs by random linear combination.',
    attributes: { 'zkp.circuit': 'circuit name', 'zkp.proofs': 'proofs in the call', 'zkp.valid': 'whether all were valid' },
  },
  settlementFinalizeBlock: {
    name: 'settlement.finalize_block',
    area: 'settlement',
    description: "The settlement application's execution of a decided block: decoding and signature checks, the statement proofs' verification, then the pure transitions in block order. Parent of settlement.verify_proofs.",
    attributes: {
      'consensus.height': 'the block height',
      'settlement.txs': 'transactions in the block',
      'settlement.refused': 'transactions the rules refused',
    },
  },
  settlementFinalizeBlockTx: {
    name: 'settlement.finalize_block.tx',
    area: 'settlement',
    description: "One client transaction's execution inside settlement.finalize_block: its transition on the block's state. Child of the transaction's consensus.tx.commit; linked to the block's settlement.finalize_block span.",
    attributes: { 'settlement.tx_type': 'the transaction type (propose_statement, accept_statement, ...)', 'settlement.code': 'ok, or the code the rules refused it with' },
  },
  settlementVerifyProofs: {
    name: 'settlement.verify_proofs',
    area: 'settlement',
    description: "Verification of the statement proofs of a block (one batch verification) or of one statement before the mempool keeps it; verdicts cached from an earlier stage are not verified again. Parent of the verifier's zkp.verify.",
    attributes: {
      'settlement.stage': 'check_tx, proposal or block',
      'settlement.proofs': 'statement proofs in the call',
      'settlement.cached': 'verdicts taken from the cache',
      'settlement.invalid': 'proofs that were not valid',
    },
  },
  processMemoryRelease: {
    name: 'process.memory_release',
    area: 'process',
    description: "A memory-reducing collection the process ran because V8's pooled heap pages passed the release threshold (libs/telemetry's V8PageReleaser): the whole process pauses for it, so a consensus or API span that overlaps one is slower for that reason.",
    attributes: { 'memory.pooled_bytes': 'pooled pages before the collection', 'memory.released_bytes': 'pooled pages it gave back' },
  },
  ceremonyStep: {
    name: 'ceremony.step',
    area: 'ceremony',
    description: "One step of the trusted-setup ceremony taken by this process (libs/ceremony's CeremonyWorkspace, verifyCeremony): the checks of what it builds on, then the snarkjs work.",
    attributes: {
      'ceremony.id': "the plan's ceremonyId",
      'ceremony.step': 'open, prepare, contribute, skip, beacon, accept or verify',
      'ceremony.lane': 'phase1, or phase2/<circuit>',
      'ceremony.member': 'the member taking the step',
      'ceremony.outcome': 'done, refused or failed',
    },
  },
} as const satisfies Record<string, SpanDefinition>;

export function listCataloguedSpans(): SpanDefinition[] {
  return Object.values(spanCatalogue);
}
