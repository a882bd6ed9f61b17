import { laneName } from './entries.js';
import type { LaneState } from './replay.js';

/**
 * Whether a lane's final file holds exactly the contributions its transcript signs for, in the
 * same order: the check snarkjs does not make (a file built on an older one, dropping a
 * contributor, still verifies). `found` is the file's list of contribution hashes, oldest first,
 * the beacon last (readZkeyContributions). Returns null when they agree, else the first
 * difference in words.
 */
export function contributionMismatch(lane: LaneState, beaconHash: string | null, found: readonly string[]): string | null {
  const expected = [...lane.contributionHashes.map((hash, i) => ({ hash, who: `${lane.contributors[i]}'s contribution` })), ...(beaconHash === null ? [] : [{ hash: beaconHash, who: 'the beacon' }])];
  for (let i = 0; i < Math.max(expected.length, found.length); i++) {
    const want = expected[i];
    const have = found[i];
    if (want === undefined) return `${laneName(lane.lane)}: the file holds ${found.length} contributions, the transcript signs for ${expected.length}; #${i + 1} (${have!.slice(0, 16)}…) is in no transcript entry`;
    if (have === undefined) return `${laneName(lane.lane)}: the file holds ${found.length} contributions, the transcript signs for ${expected.length}; ${want.who} (#${i + 1}) is missing from the file`;
    if (want.hash !== have) return `${laneName(lane.lane)}: contribution #${i + 1} of the file (${have.slice(0, 16)}…) is not ${want.who} (${want.hash.slice(0, 16)}…): dropped, replaced or reordered`;
  }
  return null;
}
