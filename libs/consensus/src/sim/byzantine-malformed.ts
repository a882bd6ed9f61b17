import { encodeCanonical } from '../encoding/canonical.js';
import { encodeConsensusMessage } from '../node/wire.js';
import { voteSignBytes } from '../signing.js';
import type { MessageChannel } from '../transport.js';
import type { Vote } from '../types.js';
import { every, othersOf, type ByzantineBehaviour, type ByzantineContext } from './byzantine.js';

/**
 * Frames no honest node should accept, written by the member's own code (its transport's caps
 * do not apply): random bytes, truncated CBOR, well-formed CBOR of the wrong shape, votes with a
 * bad signature or an unknown signer, and frames above the receiver's cap. Honest nodes must
 * refuse each, name and score the sender, and keep going.
 */

const MALFORMED_TICK_MS = 150;

const MALFORMATIONS = ['random-bytes', 'truncated', 'wrong-shape', 'bad-signature', 'unknown-signer', 'oversized'] as const;

export function createMalformedSender(context: ByzantineContext): ByzantineBehaviour {
  const { random, self, stats, caps, chainId, signer } = context;
  // One zeroed buffer per channel, one byte above the cap plus slack: frames are views into it.
  const oversized: Record<MessageChannel, Uint8Array> = {
    consensus: new Uint8Array(caps.message.consensus + 1024),
    tx: new Uint8Array(caps.message.tx + 1024),
  };

  const ownVote = (): Vote => {
    const { height, round } = context.status();
    return { type: 'prevote', height, round, blockHash: null, validator: self };
  };

  const frame = (malformation: (typeof MALFORMATIONS)[number], channel: MessageChannel): Uint8Array => {
    switch (malformation) {
      case 'random-bytes':
        return random.bytes(random.int(1, 300));
      case 'truncated': {
        const vote = ownVote();
        const whole = encodeConsensusMessage({ kind: 'vote', vote: { ...vote, signature: signer.sign(voteSignBytes(chainId, vote)) } });
        return whole.subarray(0, random.int(1, whole.byteLength - 1));
      }
      case 'wrong-shape':
        return encodeCanonical(random.pick([{ k: 'vote', v: 42 }, { k: 'proposal', p: null, b: [] }, { k: 'txs', t: [1, 2, 3] }, [1, 2, 3], { k: 'status', h: -1, r: 0, c: 0 }]));
      case 'bad-signature': {
        // Signed in the name of another member, with bytes that are no signature of theirs.
        const vote = { ...ownVote(), validator: random.pick(othersOf(context)) };
        return encodeConsensusMessage({ kind: 'vote', vote: { ...vote, signature: random.bytes(64) } });
      }
      case 'unknown-signer': {
        const vote = { ...ownVote(), validator: 'not-a-member' };
        return encodeConsensusMessage({ kind: 'vote', vote: { ...vote, signature: random.bytes(64) } });
      }
      case 'oversized':
        return oversized[channel].subarray(0, caps.message[channel] + random.int(1, 1024));
    }
  };

  return {
    start: () => {
      const others = othersOf(context);
      every(context, MALFORMED_TICK_MS, () => {
        const malformation = random.pick(MALFORMATIONS);
        const channel: MessageChannel = malformation === 'random-bytes' || malformation === 'oversized' || malformation === 'wrong-shape' ? random.pick(['consensus', 'tx'] as const) : 'consensus';
        stats.malformedFrames += 1;
        context.transport.sendRaw(random.pick(others), channel, frame(malformation, channel));
      });
    },
  };
}
