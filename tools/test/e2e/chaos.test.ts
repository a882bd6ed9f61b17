import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { byzantine } from '../../src/chaos/byzantine.js';
import { ChaosDevnet } from '../../src/chaos/chaos-devnet.js';
import { killRestart } from '../../src/chaos/kill-restart.js';
import { partitions } from '../../src/chaos/partitions.js';

/**
 * The chaos scenarios of tools/src/chaos on a real devnet of four node processes, every p2p path
 * through a fault-injecting proxy, with a real Prometheus: CI's bounded share (a few faults each);
 * `npm run chaos` runs them long and writes docs/reliability.md's figures.
 */

const MEMBERS = 4;
let devnet: ChaosDevnet;

beforeAll(async () => {
  devnet = await ChaosDevnet.start({ members: MEMBERS, seed: 'ci-1', alerts: true });
});

afterAll(async () => {
  await devnet?.stop();
});

function keepOnFailure(): void {
  onTestFailed(() => devnet.consortium.markFailed());
}

describe('chaos on a devnet of four node processes', () => {
  it('kill -9 under load, twice: the others commit, the node catches up, NodeDown fires and resolves, nothing acknowledged is lost or doubled', async () => {
    keepOnFailure();
    const report = await killRestart(devnet, { cycles: 2, txPerSecond: 20, seed: 'ci-1' }, (line) => console.log(line));
    expect(report.verification.acknowledged.committed).toBeGreaterThan(0);
    expect(report.verification.acknowledged.missing).toEqual([]);
    expect(report.verification.acknowledged.duplicated).toEqual([]);
    expect(Object.values(report.verification.evidence).every((count) => count === 0)).toBe(true);
    expect(report.verification.chainFaults).toEqual([]);
  });

  it('partitions under load (a minority cut off, no quorum anywhere, flapping links, latency and loss): the chain commits again within two round timeouts of each heal, no fork, nothing lost', async () => {
    keepOnFailure();
    const report = await partitions(devnet, { seed: 'ci-1', txPerSecond: 20, holdMs: 6_000 }, (line) => console.log(line));
    expect(report.verification.acknowledged.missing).toEqual([]);
    expect(report.verification.acknowledged.duplicated).toEqual([]);
    expect(report.verification.chainFaults).toEqual([]);
  });

  it('a Byzantine member (equivocating, malformed frames, spam): evidence recorded, EquivocationDetected fires, it is backed off, the honest members keep committing', async () => {
    keepOnFailure();
    const report = await byzantine(devnet, { seed: 'ci-1', txPerSecond: 20, holdMs: 5_000 }, (line) => console.log(line));
    expect(report.figures['blocks committed while Byzantine']).toBeGreaterThanOrEqual(3);
    expect(report.verification.acknowledged.missing).toEqual([]);
    expect(report.verification.chainFaults).toEqual([]);
  });
});
