import { afterEach, describe, it, onTestFailed } from 'vitest';
import { Consortium } from '../../src/devnet/consortium.js';
import { crashAndCatchUp } from './scenario.js';

/** Nothing assumes five: the same crash-and-catch-up scenario with 4 and with 7 members. */
describe.each([4, 7])('a consortium of %i node processes', (members) => {
  let consortium: Consortium | undefined;
  afterEach(async () => {
    await consortium?.stopAll();
    consortium = undefined;
  });

  // The waits inside have deadlines of minutes (a busy 2-core machine); this bound only catches a hang.
  it('commits, survives a killed node, the node catches up after restart, and every node holds the same chain', async () => {
    onTestFailed(() => consortium?.markFailed());
    consortium = await Consortium.start(members);
    await consortium.waitAllReady();
    await crashAndCatchUp(consortium);
    await consortium.expectSameChains();
  }, 900_000);
});
