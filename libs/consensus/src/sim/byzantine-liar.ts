import { MAX_HEIGHT } from '../encoding/codec.js';
import { decodeConsensusMessage, encodeBlocksResponse, encodeConsensusMessage } from '../node/wire.js';
import { every, othersOf, type ByzantineBehaviour, type ByzantineContext } from './byzantine.js';

/**
 * A member that lies in its status (unsigned, so nobody can tell): it claims a committed height
 * far above everyone's, and when asked for those blocks it never answers, answers with none, or
 * answers with garbage. Besides the honest code's status broadcasts it sends its own, so a node
 * that reacts to each status reacts often.
 */

export type SyncAnswer = 'silent' | 'empty' | 'garbage';

/** Statuses it sends of its own accord, per member per second (under the consensus rate limit). */
const EXTRA_STATUSES_PER_SECOND = 40;

export function createStatusLiar(context: ByzantineContext, answer: SyncAnswer): ByzantineBehaviour {
  const { random, limits, stats } = context;
  const claimAhead = random.int(50, 1_000_000);
  const lie = (committedHeight: number) => {
    const claimed = Math.min(MAX_HEIGHT - 1, committedHeight + claimAhead);
    return encodeConsensusMessage({ kind: 'status', height: claimed + 1, round: 0, committedHeight: claimed });
  };
  let lastPayload: Uint8Array | null = null;
  let lastLie: Uint8Array | null = null;

  return {
    rewrite: (_to, channel, payload) => {
      if (channel !== 'consensus') return [payload];
      if (payload !== lastPayload) {
        lastPayload = payload;
        const message = decodeConsensusMessage(payload, limits);
        lastLie = message.kind === 'status' ? lie(message.committedHeight) : null;
      }
      if (lastLie === null) return [payload];
      stats.statusLies += 1;
      return [lastLie];
    },
    serve: (channel, _from, payload, honest) => {
      if (channel !== 'sync') return honest(_from, payload);
      stats.syncRequestsStalled += 1;
      switch (answer) {
        case 'silent':
          return new Promise<Uint8Array>(() => undefined);
        case 'empty':
          return Promise.resolve(encodeBlocksResponse([]));
        case 'garbage':
          return Promise.resolve(random.bytes(random.int(1, 2_000)));
      }
    },
    start: () => {
      const others = othersOf(context);
      every(context, Math.round(1000 / EXTRA_STATUSES_PER_SECOND), () => {
        const status = lie(context.status().committedHeight);
        stats.statusLies += others.length;
        for (const to of others) context.transport.sendRaw(to, 'consensus', status);
      });
    },
  };
}
