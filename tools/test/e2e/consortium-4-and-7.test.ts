import { afterEach, describe, it } from 'vitest';
import { Consortium } from '../../src/devnet/consortium.js';
import { crashAndCatchUp } from './scenario.js';

/** Nothing assumes five: the same crash-and-catch-up scenario with 4 and with 7 members. */
describe.each([4, 7])('a consortium of %i node processes', (members) => {
  let consortium: Consortium | undefined;
  afterEach(async () => consortium?.stopAll());

  it('commits, survives a killed node, and the node catches up after restart', async () => {
    consortium = await Consortium.start(members);
    await consortium.waitAllReady();
    await crashAndCatchUp(consortium);
  }, 240_000);
});
