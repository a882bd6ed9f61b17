import {
  ConsensusNode,
  decodeBlocksRequest,
  decodeCanonical,
  decodeConsensusMessage,
  decodeTxBatch,
  encodeBlocksRequest,
  encodeCanonical,
  encodeConsensusMessage,
  encodeTxBatch,
  InvalidInputError,
  KeyValueApplication,
  MemoryChainStore,
  Mempool,
  type MemberId,
  type MessageChannel,
} from '@consortium/consensus';
import fc from 'fast-check';
import { hostileBytes } from '../arbitraries/hostile.js';
import { buildChain, fuzzConsortium } from '../fixtures/consensus-chain.js';
import { RecordingTransport, recordingLogger, StillClock, type LogLine } from '../fixtures/recording.js';
import { expectThat, FuzzPropertyError, VALID, type FuzzInput, type FuzzTarget, type Verdict } from '../target.js';

/**
 * A real ConsensusNode (state machine, reactor, block sync server, mempool, key-value
 * application, memory store) fed frames from its peers on the consensus and tx channels and sync
 * requests; only the network is replaced (RecordingTransport) and time stands still. A frame the
 * wire codec refuses must be reported to the transport (libs/p2p's peer scoring) with the
 * refusal's kind, exactly once, and logged as a security event with the error's class; a frame
 * that decodes may still be refused (bad signature, unknown signer, tampered block, a
 * transaction the application refuses), and is then reported too. Nothing may log an error or
 * halt the node.
 */

type Channel = MessageChannel | 'sync';
type PeerFrame = { readonly channel: Channel; readonly from: MemberId; readonly bytes: Uint8Array };

/** Post-decode refusals, by the kind the reactor reports (its log names the class). */
const REPORTED_AFTER_DECODE = new Set(['malformed', 'bad_signature', 'unknown_sender', 'invalid_tx']);

function framesOf(channel: Channel, seeds: readonly Uint8Array[], from: fc.Arbitrary<MemberId>): fc.Arbitrary<FuzzInput<PeerFrame>> {
  const values = seeds.map((seed) => decodeCanonical(seed, Number.MAX_SAFE_INTEGER));
  return fc
    .tuple(hostileBytes({ seeds, structured: { values, mode: 'cbor', encode: encodeCanonical } }), from)
    .map(([input, sender]) => ({ origin: input.origin, value: { channel, from: sender, bytes: input.value } }));
}

interface NodeUnderFuzz {
  readonly node: ConsensusNode;
  readonly transport: RecordingTransport;
  readonly logs: LogLine[];
  halted: unknown;
}

async function startNode(): Promise<{ readonly subject: NodeUnderFuzz; readonly inputs: fc.Arbitrary<FuzzInput<PeerFrame>> }> {
  const consortium = fuzzConsortium();
  const { genesis } = consortium;
  const chain = buildChain(consortium, 2);
  const clock = new StillClock(genesis.genesisTimeMs + 10_000);
  const peers = consortium.ids.filter((id) => id !== 'm0');
  const transport = new RecordingTransport(peers);
  const logs: LogLine[] = [];
  const { blockMaxBytes, blockMaxTxs, txMaxBytes } = genesis.consensus;
  const store = new MemoryChainStore({ limits: { blockMaxBytes, blockMaxTxs, txMaxBytes } });
  const app = new KeyValueApplication();
  const mempool = new Mempool(
    { maxTxs: 10_000, maxBytes: 64 * 1024 * 1024, txMaxBytes, recheck: false },
    { app, isCommitted: async (hash) => (await store.findTx(hash)) !== null, metrics: null, nowMs: () => clock.nowMs() },
  );
  const node = new ConsensusNode({ genesis, self: 'm0', signer: consortium.signers.get('m0')!, app, store, mempool, transport, clock, logger: recordingLogger(logs) });
  const subject: NodeUnderFuzz = { node, transport, logs, halted: null };
  node.onHalt((error) => (subject.halted = error));
  await node.start();
  // Frames come from the members, now and then from a stranger (p2p's gater admits none, but the reactor must not care).
  const from = fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...peers) }, { weight: 1, arbitrary: fc.constant('stranger') });
  const inputs = fc.oneof(
    framesOf('consensus', [...chain.map(({ proposal, block }) => encodeConsensusMessage({ kind: 'proposal', proposal, block })), ...chain.flatMap(({ votes }) => votes.map((vote) => encodeConsensusMessage({ kind: 'vote', vote }))), encodeConsensusMessage({ kind: 'status', height: 2, round: 0, committedHeight: 1, certificate: chain[0]!.certificate })], from),
    framesOf('tx', [encodeTxBatch(chain.flatMap(({ block }) => block.txs))], from),
    framesOf('sync', [encodeBlocksRequest({ fromHeight: 1, maxCount: 8 })], from),
  );
  return { subject, inputs };
}

/** What the wire codec alone says of the frame: null when it decodes. */
function decodeRefusal(frame: PeerFrame, limits: Parameters<typeof decodeTxBatch>[1]): InvalidInputError | null {
  try {
    if (frame.channel === 'consensus') decodeConsensusMessage(frame.bytes, limits);
    else if (frame.channel === 'tx') decodeTxBatch(frame.bytes, limits);
    else decodeBlocksRequest(frame.bytes);
    return null;
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw new FuzzPropertyError(`the wire codec threw ${String(error)}`, { cause: error });
  }
}

/** Lets the node's queue and the mempool's promise chains run what the frame started. */
async function settle(node: ConsensusNode): Promise<void> {
  await node.idle();
  await new Promise<void>((resolve) => setImmediate(resolve));
  await node.idle();
}

async function deliver(subject: NodeUnderFuzz, frame: PeerFrame): Promise<unknown> {
  if (frame.channel !== 'sync') {
    subject.transport.deliver(frame.from, frame.channel, frame.bytes);
    return null;
  }
  try {
    await subject.transport.serve(frame.from, frame.bytes);
    return null;
  } catch (error) {
    return error;
  }
}

async function check(subject: NodeUnderFuzz, frame: PeerFrame, limits: Parameters<typeof decodeTxBatch>[1]): Promise<Verdict> {
  const expected = decodeRefusal(frame, limits);
  const reportsBefore = subject.transport.reported.length;
  const logsBefore = subject.logs.length;
  const served = await deliver(subject, frame);
  await settle(subject.node);
  const reports = subject.transport.reported.slice(reportsBefore);
  const logs = subject.logs.slice(logsBefore);
  const errors = logs.filter((line) => line.level === 'error' || line.level === 'fatal');
  expectThat(errors.length === 0, `the node logged an error for a peer's frame: ${errors.map((line) => `${line.msg} ${fc.stringify(line.fields.err)}`).join('; ')}`);
  expectThat(subject.halted === null, `a peer's frame halted the node: ${String(subject.halted)}`);
  expectThat(
    reports.every((report) => report.from === frame.from),
    `the node reported ${reports.map((r) => r.from).join(', ')} for a frame of ${frame.from}`,
  );
  if (expected !== null) {
    expectThat(reports.length === 1 && reports[0]!.kind === expected.kind, `a frame refused with ${expected.name} (${expected.kind}) was reported as [${reports.map((r) => r.kind).join(', ')}]`);
    if (frame.channel === 'sync') expectThat(served instanceof expected.constructor, `a refused sync request was answered with ${String(served)}`);
    else expectThat(logs.some((line) => line.fields.securityEvent === 'invalid_message' && line.fields.error === expected.name), `no security event names ${expected.name}`);
    return { outcome: 'refused', refusal: expected.name };
  }
  expectThat(served === null, `a well-formed sync request failed: ${String(served)}`);
  if (reports.length === 0) return VALID;
  expectThat(reports.every((report) => REPORTED_AFTER_DECODE.has(report.kind)), `a decoded frame was reported as [${reports.map((r) => r.kind).join(', ')}]`);
  const named = logs.find((line) => line.fields.securityEvent === 'invalid_message');
  return { outcome: 'refused', refusal: typeof named?.fields.error === 'string' ? named.fields.error : `reported ${reports[0]!.kind}` };
}

export const consensusNodeTarget: FuzzTarget<PeerFrame> = {
  name: 'consensus-node',
  description: "a real ConsensusNode's reactor and sync server fed peers' frames; a refusal is reported to the transport with its kind and logged with its class",
  async open() {
    const { subject, inputs } = await startNode();
    const limits = fuzzConsortium().genesis.consensus;
    return {
      inputs,
      check: ({ value }) => check(subject, value, limits),
      close: () => subject.node.stop(),
    };
  },
};
