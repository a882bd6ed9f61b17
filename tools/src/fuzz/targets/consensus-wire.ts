import { isDeepStrictEqual } from 'node:util';
import {
  decodeBlocksRequest,
  decodeBlocksResponse,
  decodeCanonical,
  decodeConsensusMessage,
  decodeEvidence,
  decodeTxBatch,
  deriveConsensusLimits,
  encodeBlocksRequest,
  encodeBlocksResponse,
  encodeCanonical,
  encodeConsensusMessage,
  encodeEvidence,
  encodeTxBatch,
  MalformedMessageError,
  MAX_BLOCKS_PER_RESPONSE,
  OversizedMessageError,
  type WireLimits,
} from '@consortium/consensus';
import fc from 'fast-check';
import { hostileBytes } from '../arbitraries/hostile.js';
import { buildChain, fuzzConsortium, FUZZ_PARAMS } from '../fixtures/consensus-chain.js';
import { decodeWith, expectThat, type FuzzInput, type FuzzTarget } from '../target.js';

/**
 * The consensus wire codec (libs/consensus node/wire.ts) on each of its frames: consensus
 * messages (proposal with block, vote, status with certificate), tx batches, sync requests and
 * responses, and equivocation evidence. Refusals: MalformedMessageError, OversizedMessageError. A decoded frame encodes
 * again to a frame that decodes to the same value.
 */

const LIMITS: WireLimits = { blockMaxBytes: FUZZ_PARAMS.blockMaxBytes, blockMaxTxs: FUZZ_PARAMS.blockMaxTxs, txMaxBytes: FUZZ_PARAMS.txMaxBytes };
const REFUSALS = [MalformedMessageError, OversizedMessageError];
/** decodeEvidence's own bound (evidence-codec.ts). */
const EVIDENCE_MAX_BYTES = 16 * 1024;

interface Codec {
  readonly decode: (bytes: Uint8Array) => unknown;
  readonly encode: (value: never) => Uint8Array;
}

const CODECS = {
  consensus: { decode: (bytes) => decodeConsensusMessage(bytes, LIMITS), encode: encodeConsensusMessage },
  txs: { decode: (bytes) => decodeTxBatch(bytes, LIMITS), encode: encodeTxBatch },
  'blocks-request': { decode: decodeBlocksRequest, encode: encodeBlocksRequest },
  'blocks-response': { decode: (bytes) => decodeBlocksResponse(bytes, LIMITS), encode: encodeBlocksResponse },
  // equivocation evidence: stored by the node, served by its API
  evidence: { decode: decodeEvidence, encode: encodeEvidence },
} satisfies Record<string, Codec>;

type Frame = { readonly codec: keyof typeof CODECS; readonly bytes: Uint8Array };

/** Valid frames of each kind from a real signed chain. */
function validFrames(): Record<keyof typeof CODECS, Uint8Array[]> {
  const consortium = fuzzConsortium();
  const chain = buildChain(consortium, 4);
  const last = chain.at(-1)!;
  return {
    consensus: [
      ...chain.map(({ proposal, block }) => encodeConsensusMessage({ kind: 'proposal', proposal, block })),
      ...last.votes.map((vote) => encodeConsensusMessage({ kind: 'vote', vote })),
      encodeConsensusMessage({ kind: 'status', height: 5, round: 1, committedHeight: 4, certificate: last.certificate }),
      encodeConsensusMessage({ kind: 'status', height: 1, round: 0, committedHeight: 0 }),
    ],
    txs: [encodeTxBatch(chain.flatMap(({ block }) => block.txs)), encodeTxBatch([new Uint8Array(LIMITS.txMaxBytes).fill(1)])],
    'blocks-request': [encodeBlocksRequest({ fromHeight: 1, maxCount: MAX_BLOCKS_PER_RESPONSE }), encodeBlocksRequest({ fromHeight: 3, maxCount: 1 })],
    'blocks-response': [encodeBlocksResponse(chain), encodeBlocksResponse([]), encodeBlocksResponse(chain.slice(2))],
    evidence: [
      encodeEvidence({ kind: 'duplicateVote', first: last.votes[0]!, second: last.votes[2]! }),
      encodeEvidence({ kind: 'duplicateProposal', first: last.proposal, second: chain[0]!.proposal }),
    ],
  };
}

function frameInputs(codec: keyof typeof CODECS, seeds: readonly Uint8Array[], maxBytes: number): fc.Arbitrary<FuzzInput<Frame>> {
  const values = seeds.map((seed) => decodeCanonical(seed, Number.MAX_SAFE_INTEGER));
  return hostileBytes({ seeds, structured: { values, mode: 'cbor', encode: encodeCanonical }, maxBytes }).map((input) => ({ origin: input.origin, value: { codec, bytes: input.value } }));
}

export const consensusWireTarget: FuzzTarget<Frame> = {
  name: 'consensus-wire',
  description: 'consensus, tx batch and sync frames through the wire codec; MalformedMessageError or OversizedMessageError, else a round trip',
  open() {
    const frames = validFrames();
    const limits = deriveConsensusLimits(LIMITS);
    const inputs = fc.oneof(
      frameInputs('consensus', frames.consensus, limits.consensusFrameMaxBytes),
      frameInputs('txs', frames.txs, limits.txBatchFrameMaxBytes),
      frameInputs('blocks-request', frames['blocks-request'], limits.syncRequestFrameMaxBytes),
      frameInputs('blocks-response', frames['blocks-response'], limits.syncResponseFrameMaxBytes),
      frameInputs('evidence', frames.evidence, EVIDENCE_MAX_BYTES),
    );
    return Promise.resolve({
      inputs,
      check: ({ value: { codec, bytes } }) => {
        const { decode, encode } = CODECS[codec] as Codec;
        return decodeWith(() => decode(bytes), REFUSALS, `the ${codec} decoder`, {
          onValue: (decoded) => {
            const again = decode(encode(decoded as never));
            expectThat(isDeepStrictEqual(again, decoded), `a decoded ${codec} frame does not survive encoding and decoding again`);
          },
        });
      },
      close: () => Promise.resolve(),
    });
  },
};
