import { DEFAULT_CONSENSUS_PARAMS, DEFAULT_PEER_POLICY, frameCapsFor } from '@consortium/consensus';
import { DEFAULT_LIMITS, MESSAGE_MAX_BYTES, REQUEST_MAX_BYTES, RESPONSE_MAX_BYTES } from '@consortium/p2p';
import { describe, expect, it } from 'vitest';

// libs/consensus may not import libs/p2p (same layer), so its simulator restates the transport's
// limits; tools may import both, and this is where a drift between the two fails.
describe("the simulator's transport limits", () => {
  it("are libs/p2p's frame caps", () => {
    expect(frameCapsFor({ consensus: DEFAULT_CONSENSUS_PARAMS })).toEqual({
      message: { consensus: MESSAGE_MAX_BYTES.consensus, tx: MESSAGE_MAX_BYTES.tx },
      request: { sync: REQUEST_MAX_BYTES.sync },
      response: { sync: RESPONSE_MAX_BYTES.sync },
    });
  });

  it("are libs/p2p's rates, score weights, score limit and back-off", () => {
    const { messageRates, scoreWeights, scoreLimit, scoreHalfLifeMs, backoffBaseMs, backoffMaxMs, backoffResetMs } = DEFAULT_LIMITS;
    expect(DEFAULT_PEER_POLICY).toEqual({
      messageRates: { consensus: messageRates.consensus, tx: messageRates.tx, sync: messageRates.sync },
      scoreWeights,
      scoreLimit,
      scoreHalfLifeMs,
      backoffBaseMs,
      backoffMaxMs,
      backoffResetMs,
    });
  });
});
