import { context, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { AppInfo, Application, BlockHeader, CheckTxResult, FinalizeBlockResult, Genesis, TxResult } from '@consortium/consensus';
import type { SecurityMetrics, SettlementMetrics, ZkpMetrics } from '@consortium/telemetry';
import { Ed25519Verifier } from '@consortium/consensus';
import type { SettlementMember } from '../domain/types.js';
import { decodeSettlementCbor, encodeSettlementCbor } from '../encoding/cbor.js';
import { ProofRejectedError, SettlementConfigError, SettlementStateCorruptionError, SettlementTxError } from '../errors.js';
import { SETTLEMENT_LIMITS_TABLE } from '../limits.js';
import type { ProofVerdict, SettlementEvent, TxContext } from '../state/context.js';
import { genesisWrites } from '../state/genesis.js';
import { countersOf } from '../state/lookups.js';
import type { KeyEpochRecord, StatementRecord } from '../state/records.js';
import { MapState, OverlayState, parseStateKey, stateKey } from '../state/store.js';
import { transitionWrites } from '../state/transition.js';
import { decodeSettlementTx } from '../tx/codec.js';
import { authenticateTx, type AuthenticatedTx } from '../tx/signing.js';
import type { SettlementTxType } from '../tx/types.js';
import { chainAppHash, GENESIS_PARENT_HASH, sortedWrites } from './app-hash.js';
import { SettlementDb } from './persistence.js';
import { SettlementTelemetry } from './telemetry.js';
import type { VerificationKey } from '@consortium/zkp';
import { statementProof, verdictOf, VerdictCache, type StatementProofVerifier, type VerificationKeyRegistry } from './verifier.js';

/**
 * The settlement application under consensus. The rules are the pure transition
 * (state/transition.ts); this shell decodes and authenticates transactions, verifies the
 * statement proofs of a block together (one batch verification, before any transition runs, so
 * the transition stays pure), applies the block's transitions over an overlay of the committed
 * state, chains the app hash over the block's writes, and persists them in its own LevelDB at
 * commit. Consensus calls it one call at a time (never concurrently).
 */

export interface SettlementApplicationOptions {
  /** The application's LevelDB folder (its own, under the node's data dir). */
  readonly directory: string;
  /** Chain id, members (id, TADIG, ed25519 key) and the artifact pins of the genesis key epochs. */
  readonly genesis: Pick<Genesis, 'chainId' | 'members' | 'artifacts'>;
  /** Groth16 verification of statement proofs (the node's Groth16Verifier over its pinned keys). */
  readonly verifier: StatementProofVerifier;
  /**
   * Where the verification keys of registered key epochs go (the node's VerificationKeys, which
   * its verifier reads): each one carried on chain, at open and as its registration commits.
   * Genesis epochs' keys come from the pinned files instead. Without it, statements under a
   * registered epoch verify only if the caller adds its keys.
   */
  readonly keyRegistry?: VerificationKeyRegistry | null;
  readonly metrics?: SettlementMetrics | null;
  /** The zkp area's key epoch gauge: the chain's key epoch registrations move it. */
  readonly zkpMetrics?: Pick<ZkpMetrics, 'keyEpoch'> | null;
  readonly security?: SecurityMetrics | null;
  readonly tracer?: Tracer | null;
  /**
   * The time checkTx and prepareProposal judge by (the next block's time is not known yet):
   * the later of this clock and the last block's time. Default Date.now. Blocks are always
   * executed with their header's time.
   */
  readonly nowMs?: () => number;
  /**
   * Each refused transaction that is a security event (a new one refused by checkTx: bad
   * signature, invalid proof, broken rule; a proposed block with an undecodable or forged one),
   * for the node's security log. Rechecks after a block are not: the chain moved, nobody attacked.
   */
  readonly onSecurityEvent?: (event: SettlementSecurityEvent) => void;
}

/** A refused transaction, as a security event: the stage, the error's class, counter kind and words. */
export interface SettlementSecurityEvent {
  readonly stage: 'check_tx' | 'proposal';
  readonly kind: string;
  readonly error: string;
  readonly message: string;
}

/** A committed block as settlement saw it: its height, time and events. */
export interface CommittedSettlementBlock {
  readonly height: number;
  readonly timeMs: number;
  readonly events: readonly SettlementEvent[];
}

/** A transaction as the application admits it: decoded and authenticated, or why not. */
type Admitted = { readonly ok: true; readonly bytes: Uint8Array; readonly authenticated: AuthenticatedTx } | { readonly ok: false; readonly error: SettlementTxError };

interface PendingBlock {
  readonly height: number;
  readonly timeMs: number;
  readonly appHash: Uint8Array;
  readonly writes: Map<string, unknown>;
  readonly events: readonly SettlementEvent[];
  readonly executed: readonly { readonly type: SettlementTxType | null; readonly code: string }[];
}

type Stage = 'check_tx' | 'proposal' | 'block';

const SPAN_STATUS_ERROR = 2;
/** Longest tx result log: events of one transaction (a period close lists a few figures). */
const RESULT_LOG_MAX_LENGTH = 4_096;

/** The members as settlement needs them, ordered by id. */
export function settlementMembersOf(genesis: Pick<Genesis, 'members'>): SettlementMember[] {
  return genesis.members.map((m) => ({ id: m.id, tadig: m.tadig, publicKey: m.publicKey })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export class SettlementApplication implements Application {
  private readonly members: readonly SettlementMember[];
  private readonly memberById: ReadonlyMap<string, SettlementMember>;
  private readonly chainId: string;
  private readonly signatures = new Ed25519Verifier();
  private readonly verdicts = new VerdictCache();
  private readonly telemetry: SettlementTelemetry;
  private readonly security: SecurityMetrics | null;
  private readonly tracer: Tracer | null;
  private readonly keyRegistry: VerificationKeyRegistry | null;
  private readonly nowMs: () => number;
  private readonly onSecurityEvent: ((event: SettlementSecurityEvent) => void) | null;
  private committed: Map<string, unknown>;
  private committedState: MapState;
  private height: number;
  private appHash: Uint8Array;
  private lastTimeMs = 0;
  private pending: PendingBlock | null = null;
  private readonly committedListeners: ((block: CommittedSettlementBlock) => void)[] = [];

  private constructor(
    private readonly db: SettlementDb,
    private readonly verifier: StatementProofVerifier,
    options: SettlementApplicationOptions,
    loaded: { readonly records: Map<string, unknown>; readonly height: number; readonly appHash: Uint8Array },
  ) {
    this.chainId = options.genesis.chainId;
    this.members = settlementMembersOf(options.genesis);
    this.memberById = new Map(this.members.map((m) => [m.id, m]));
    this.telemetry = new SettlementTelemetry(options.metrics ?? null, options.zkpMetrics ?? null);
    this.security = options.security ?? null;
    this.tracer = options.tracer ?? null;
    this.nowMs = options.nowMs ?? Date.now;
    this.onSecurityEvent = options.onSecurityEvent ?? null;
    this.committed = loaded.records;
    this.committedState = new MapState(this.committed);
    this.height = loaded.height;
    this.appHash = loaded.appHash;
    this.keyRegistry = options.keyRegistry ?? null;
    this.telemetry.resetStatements(this.committedState.all('statement'));
    this.telemetry.keyEpoch(countersOf(this.committedState).latestKeyEpoch);
    this.registerVerificationKeys(this.committedState.all('keyEpoch'));
  }

  /**
   * Opens (or creates) the application's database. A new database starts from the genesis
   * state (the key epochs genesis pins) at height 0, with the app hash of those writes.
   */
  static async open(options: SettlementApplicationOptions): Promise<SettlementApplication> {
    if (options.genesis.members.length > SETTLEMENT_LIMITS_TABLE.nettingMembersMax) {
      throw new SettlementConfigError(`genesis lists ${options.genesis.members.length} members; exact netting supports at most ${SETTLEMENT_LIMITS_TABLE.nettingMembersMax}`);
    }
    const db = await SettlementDb.open(options.directory);
    try {
      const head = await db.head();
      const chainId = await db.chainId();
      if (head !== null && chainId !== options.genesis.chainId) {
        throw new SettlementConfigError(`${options.directory} holds the settlement state of chain ${JSON.stringify(chainId)}, not of ${JSON.stringify(options.genesis.chainId)}`);
      }
      if (head === null) {
        const records = new Map(genesisWrites(options.genesis.artifacts).map((w) => [stateKey(w.kind, w.id), w.value as unknown]));
        const appHash = chainAppHash(GENESIS_PARENT_HASH, 0, sortedWrites(records));
        await db.initialise(options.genesis.chainId, records, { height: 0, appHash });
        return new SettlementApplication(db, options.verifier, options, { records, height: 0, appHash });
      }
      return new SettlementApplication(db, options.verifier, options, { records: await db.load(), ...head });
    } catch (error) {
      await db.close();
      throw error;
    }
  }

  /** The committed state, for reads (reads.ts). Records are never changed in place. */
  get state(): MapState {
    return this.committedState;
  }

  get settlementMembers(): readonly SettlementMember[] {
    return this.members;
  }

  /** The height of the last committed block (0 before the first). */
  get committedHeight(): number {
    return this.height;
  }

  close(): Promise<void> {
    return this.db.close();
  }

  info(): Promise<AppInfo> {
    return Promise.resolve({ lastHeight: this.height, appHash: this.appHash });
  }

  async checkTx(tx: Uint8Array, mode: 'new' | 'recheck'): Promise<CheckTxResult> {
    const admitted = this.admit(tx);
    let error: SettlementTxError | null = null;
    if (!admitted.ok) error = admitted.error;
    else {
      const verdicts = await this.verify('check_tx', [admitted]);
      const outcome = transitionWrites(this.committedState, admitted.authenticated, this.context(this.height + 1, this.expectedBlockTimeMs(), verdicts.get(0)));
      if (!outcome.ok) error = outcome.error;
    }
    if (error === null) return { ok: true };
    // A transaction that became invalid with a block (a recheck) is not an attack.
    if (mode === 'new') {
      // A proof's verdict was counted by the verifier that reached it (invalid_proof, or malformed
      // for a proof it cannot read): counted here again, one refused statement counted twice.
      if (!(error instanceof ProofRejectedError)) this.security?.invalidMessagesTotal.inc({ kind: error.kind });
      this.onSecurityEvent?.({ stage: 'check_tx', kind: error.kind, error: error.name, message: error.message });
      this.telemetry.checkTxRefused(error.code);
    }
    return { ok: false, code: error.code, log: `${error.name}: ${error.message}` };
  }

  /** The proposer keeps, in mempool order and within maxBytes, the transactions that would apply one after the other. */
  async prepareProposal(request: { readonly height: number; readonly txs: readonly Uint8Array[]; readonly maxBytes: number }): Promise<readonly Uint8Array[]> {
    const admitted = request.txs.map((tx) => this.admit(tx));
    const candidates = admitted.filter((a): a is Admitted & { ok: true } => a.ok);
    const verdicts = await this.verify('proposal', candidates);
    const pending = new Map<string, unknown>();
    const state = new OverlayState(this.committedState, pending);
    const chosen: Uint8Array[] = [];
    let bytes = 0;
    candidates.forEach((candidate, index) => {
      if (bytes + candidate.bytes.byteLength > request.maxBytes) return;
      const outcome = transitionWrites(state, candidate.authenticated, this.context(request.height, this.expectedBlockTimeMs(), verdicts.get(index)));
      if (!outcome.ok) return;
      for (const w of outcome.writes) pending.set(stateKey(w.kind, w.id), w.value);
      chosen.push(candidate.bytes);
      bytes += candidate.bytes.byteLength;
    });
    return chosen;
  }

  /**
   * A proposed block is refused (prevote nil) when a transaction cannot be decoded or its
   * signatures do not verify, or a statement's proof is not valid. Transactions the state rules
   * refuse are allowed: their result records the refusal, as on every node.
   */
  async processProposal(request: { readonly header: BlockHeader; readonly txs: readonly Uint8Array[] }): Promise<boolean> {
    const admitted = request.txs.map((tx) => this.admit(tx));
    const refused = admitted.find((a) => !a.ok);
    if (refused !== undefined) {
      this.security?.invalidMessagesTotal.inc({ kind: refused.error.kind });
      this.onSecurityEvent?.({ stage: 'proposal', kind: refused.error.kind, error: refused.error.name, message: refused.error.message });
      return false;
    }
    const verdicts = await this.verify('proposal', admitted as (Admitted & { ok: true })[]);
    const invalid = [...verdicts.values()].find((v) => v.outcome !== 'valid');
    if (invalid === undefined) return true;
    this.onSecurityEvent?.({ stage: 'proposal', kind: 'invalid_proof', error: 'ProofRejectedError', message: `block ${request.header.height} proposed by ${request.header.proposer} carries a statement whose proof is ${invalid.outcome}${'detail' in invalid ? `: ${invalid.detail}` : ''}` });
    return false;
  }

  async finalizeBlock(request: { readonly header: BlockHeader; readonly txs: readonly Uint8Array[]; readonly traces?: readonly (Context | undefined)[] }): Promise<FinalizeBlockResult> {
    const { header, txs } = request;
    const span = this.tracer?.startSpan('settlement.finalize_block', { attributes: { 'consensus.height': header.height, 'settlement.txs': txs.length } }) ?? null;
    const startedMs = performance.now();
    try {
      if (header.height !== this.height + 1) throw new SettlementStateCorruptionError(`block ${header.height} executed on state of height ${this.height}`);
      const admitted = txs.map((tx) => this.admit(tx));
      const indexes: number[] = [];
      const candidates: (Admitted & { ok: true })[] = [];
      admitted.forEach((a, i) => {
        if (!a.ok) return;
        indexes.push(i);
        candidates.push(a);
      });
      const verdictsByCandidate = await this.verify('block', candidates);
      const verdicts = new Map<number, ProofVerdict>();
      for (const [candidate, verdict] of verdictsByCandidate) verdicts.set(indexes[candidate]!, verdict);

      const writes = new Map<string, unknown>();
      const state = new OverlayState(this.committedState, writes);
      const events: SettlementEvent[] = [];
      const executed: { type: SettlementTxType | null; code: string }[] = [];
      let refusedCount = 0;
      const txResults: TxResult[] = admitted.map((a, i) => {
        if (!a.ok) {
          refusedCount += 1;
          executed.push({ type: null, code: a.error.code });
          return { ok: false, code: a.error.code, log: `${a.error.name}: ${a.error.message}` };
        }
        const txSpan = this.txSpan(request.traces?.[i], span, a.authenticated.tx.body.type);
        const outcome = transitionWrites(state, a.authenticated, this.context(header.height, header.timeMs, verdicts.get(i)));
        txSpan?.setAttribute('settlement.code', outcome.ok ? 'ok' : outcome.error.code);
        txSpan?.end();
        executed.push({ type: a.authenticated.tx.body.type, code: outcome.ok ? 'ok' : outcome.error.code });
        if (!outcome.ok) {
          refusedCount += 1;
          return { ok: false, code: outcome.error.code, log: `${outcome.error.name}: ${outcome.error.message}` };
        }
        for (const w of outcome.writes) writes.set(stateKey(w.kind, w.id), w.value);
        events.push(...outcome.events);
        return { ok: true, log: describeEvents(outcome.events) };
      });
      const appHash = chainAppHash(this.appHash, header.height, sortedWrites(writes));
      this.pending = { height: header.height, timeMs: header.timeMs, appHash, writes, events, executed };
      span?.setAttribute('settlement.refused', refusedCount);
      return { appHash, txResults };
    } catch (error) {
      span?.recordException(error instanceof Error ? error : String(error));
      span?.setStatus({ code: SPAN_STATUS_ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span?.end();
      this.telemetryFinalize(performance.now() - startedMs);
    }
  }

  async commit(): Promise<void> {
    const pending = this.pending;
    if (pending === null) throw new Error('commit without a finalized block');
    await this.db.commit(pending.writes, { height: pending.height, appHash: pending.appHash });
    for (const [key, value] of pending.writes) {
      if (key.startsWith('statement/')) this.telemetry.statementChanged(this.committed.get(key) as StatementRecord | undefined, value as StatementRecord);
      this.committed.set(key, value);
    }
    this.height = pending.height;
    this.appHash = pending.appHash;
    this.lastTimeMs = pending.timeMs;
    this.pending = null;
    for (const { type, code } of pending.executed) if (type !== null) this.telemetry.txExecuted(type, code);
    this.telemetry.events(pending.events);
    this.telemetry.publishStatements();
    this.telemetry.publishUnanswered(pending.timeMs);
    const committed: CommittedSettlementBlock = { height: pending.height, timeMs: pending.timeMs, events: pending.events };
    const registered = pending.events.flatMap((event) => (event.type === 'key_epoch_registered' ? [this.committedState.get('keyEpoch', String(event.epoch))!] : []));
    this.registerVerificationKeys(registered);
    for (const listener of this.committedListeners) listener(committed);
  }

  /**
   * Calls `listener` after each committed block with what happened in it (the node's event
   * stream and its member's work queue follow the chain with it). Synchronous and after the
   * state changed: a listener reads the new state through `state`.
   */
  onCommitted(listener: (block: CommittedSettlementBlock) => void): void {
    this.committedListeners.push(listener);
  }

  snapshot(): Promise<Uint8Array> {
    return Promise.resolve(encodeSettlementCbor({ h: this.height, a: this.appHash, e: sortedWrites(this.committed) }));
  }

  async restore(snapshot: Uint8Array, height: number): Promise<void> {
    let decoded: unknown;
    try {
      decoded = decodeSettlementCbor(snapshot, SETTLEMENT_LIMITS_TABLE.snapshotMaxBytes, 'settlement snapshot');
    } catch (error) {
      throw new SettlementStateCorruptionError(`the settlement snapshot of height ${height} cannot be read: ${(error as Error).message}`, { cause: error });
    }
    const { h, a, e } = decoded as { h?: unknown; a?: unknown; e?: unknown };
    if (h !== height) throw new SettlementStateCorruptionError(`the snapshot is of height ${String(h)}, expected ${height}`);
    if (!(a instanceof Uint8Array) || a.byteLength !== 32 || !Array.isArray(e)) throw new SettlementStateCorruptionError('the settlement snapshot is not { height, appHash, entries }');
    const records = new Map<string, unknown>();
    for (const entry of e as unknown[]) {
      if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string' || parseStateKey(entry[0]) === null) throw new SettlementStateCorruptionError('a settlement snapshot entry is not [key, record]');
      records.set(entry[0], entry[1]);
    }
    await this.db.replace(records, { height, appHash: a });
    this.committed = records;
    this.committedState = new MapState(records);
    this.height = height;
    this.appHash = a;
    this.pending = null;
    this.telemetry.resetStatements(this.committedState.all('statement'));
    this.telemetry.keyEpoch(countersOf(this.committedState).latestKeyEpoch);
    this.registerVerificationKeys(this.committedState.all('keyEpoch'));
  }

  // --- internals -------------------------------------------------------------------------

  /**
   * Hands the verification keys a key epoch carries on chain to the registry. The codec checked
   * each one (pinned, parseable, contributed) before it reached the state, so a failure here is
   * a corrupt state, not a bad transaction.
   */
  private registerVerificationKeys(records: Iterable<KeyEpochRecord>): void {
    if (this.keyRegistry === null) return;
    for (const record of records) {
      if (record.verificationKeys === null) continue;
      record.pins.forEach((pin, i) => {
        const bytes = record.verificationKeys![i];
        if (bytes === undefined) throw new SettlementStateCorruptionError(`key epoch ${record.epoch} carries no verification key for ${pin.circuit}`);
        this.keyRegistry!.add(record.epoch, pin.circuit, JSON.parse(new TextDecoder().decode(bytes)) as VerificationKey);
      });
    }
  }

  private expectedBlockTimeMs(): number {
    return Math.max(this.lastTimeMs, this.nowMs());
  }

  private context(height: number, timeMs: number, proofVerdict: ProofVerdict | undefined): TxContext {
    return { chainId: this.chainId, height, timeMs, members: this.members, proofVerdict };
  }

  /** Decodes and authenticates; a SettlementTxError is a result, anything else a bug. */
  private admit(bytes: Uint8Array): Admitted {
    try {
      return { ok: true, bytes, authenticated: authenticateTx(decodeSettlementTx(bytes), this.memberById, this.chainId, this.signatures) };
    } catch (error) {
      if (error instanceof SettlementTxError) return { ok: false, error };
      throw error;
    }
  }

  /**
   * The verdicts on the statement proofs among `txs` (by index in `txs`): cached ones first,
   * the rest in one batch verification.
   */
  private async verify(stage: Stage, txs: readonly (Admitted & { ok: true })[]): Promise<Map<number, ProofVerdict>> {
    const verdicts = new Map<number, ProofVerdict>();
    const toVerify: { index: number; key: string; body: Extract<AuthenticatedTx['tx']['body'], { type: 'propose_statement' }> }[] = [];
    txs.forEach((tx, index) => {
      const body = tx.authenticated.tx.body;
      if (body.type !== 'propose_statement') return;
      const key = VerdictCache.keyOf(tx.bytes);
      const cached = this.verdicts.get(key);
      if (cached !== undefined) verdicts.set(index, cached);
      else toVerify.push({ index, key, body });
    });
    const statements = verdicts.size + toVerify.length;
    if (statements === 0) return verdicts;
    const span = this.tracer?.startSpan('settlement.verify_proofs', { attributes: { 'settlement.stage': stage, 'settlement.proofs': statements, 'settlement.cached': verdicts.size } }) ?? null;
    // The verifier's zkp.verify spans are children of this one.
    const within = <T>(work: () => Promise<T>): Promise<T> => (span === null ? work() : context.with(trace.setSpan(context.active(), span), work));
    try {
      if (toVerify.length === 1) {
        const item = toVerify[0]!;
        const verdict = verdictOf(await within(() => this.verifier.verify(statementProof(item.body))));
        this.verdicts.set(item.key, verdict);
        verdicts.set(item.index, verdict);
      } else if (toVerify.length > 1) {
        const { results } = await within(() => this.verifier.verifyBatch(toVerify.map((item) => statementProof(item.body))));
        toVerify.forEach((item, i) => {
          const verdict = verdictOf(results[i]!);
          this.verdicts.set(item.key, verdict);
          verdicts.set(item.index, verdict);
        });
      }
      for (const verdict of verdicts.values()) this.telemetry.verdict(stage, verdict.outcome);
      span?.setAttribute('settlement.invalid', [...verdicts.values()].filter((v) => v.outcome !== 'valid').length);
      return verdicts;
    } finally {
      span?.end();
    }
  }

  /**
   * One traced transaction's execution in a block (settlement.finalize_block.tx): a child of
   * the tx's own trace (consensus passes the context of its consensus.tx.commit span), linked to
   * the block's settlement.finalize_block span, which covers every tx of the block.
   */
  private txSpan(parent: Context | undefined, block: Span | null, type: SettlementTxType): Span | null {
    if (parent === undefined || this.tracer === null) return null;
    const links = block === null ? [] : [{ context: block.spanContext() }];
    return this.tracer.startSpan('settlement.finalize_block.tx', { attributes: { 'settlement.tx_type': type }, links }, parent);
  }

  private telemetryFinalize(durationMs: number): void {
    this.telemetry.finalizeDuration(durationMs / 1000);
  }
}

/** A tx result's log: its events as JSON (bigints as decimal strings), bounded. */
function describeEvents(events: readonly SettlementEvent[]): string {
  const text = JSON.stringify(events, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  return text.length <= RESULT_LOG_MAX_LENGTH ? text : `${text.slice(0, RESULT_LOG_MAX_LENGTH - 3)}...`;
}
