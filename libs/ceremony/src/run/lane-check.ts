import { SetupStepError, verifyPhase1, verifyPhase2, type SetupCurve, type SetupLogger } from '@consortium/zkp';
import { CeremonyFileError } from '../errors.js';
import { sha256OfFile } from '../files/hashing.js';
import { readPtauContributions } from '../files/ptau-contributions.js';
import { readZkeyContributions, type FileContribution } from '../files/zkey-contributions.js';
import { contributionMismatch } from '../transcript/compare.js';
import { laneName } from '../transcript/entries.js';
import type { LaneState } from '../transcript/replay.js';

/**
 * The check every member makes before building on a lane's file, and `ceremony verify` makes on
 * each lane's final one: the file is the one the transcript names (its sha256), snarkjs verifies
 * every contribution in it (the pairing checks), and the contributions it holds are exactly the
 * transcript's, in order (snarkjs alone accepts a file with a contributor dropped).
 */

/** What a phase-2 check reads besides the file: the key the lane started from and the powers of tau it was made from. */
export interface Phase2Inputs {
  readonly initZkey: string;
  readonly preparedPtau: string;
}

export interface LaneFileCheck {
  readonly lane: LaneState;
  /** The beacon's contribution hash when the lane is closed (the file is its final one). */
  readonly beaconHash: string | null;
  readonly file: string;
  readonly curve: SetupCurve;
  readonly phase2?: Phase2Inputs | undefined;
  readonly logger?: SetupLogger | undefined;
}

/** Throws CeremonyFileError naming the file and the first problem; returns the contributions the file holds. */
export async function checkLaneFile({ lane, beaconHash, file, curve, phase2, logger }: LaneFileCheck): Promise<readonly FileContribution[]> {
  const sha256 = await sha256OfFile(file);
  if (sha256 !== lane.lastSha256) {
    throw new CeremonyFileError(file, `its sha256 is ${sha256.slice(0, 16)}…, but the last verified file of ${laneName(lane.lane)} is ${lane.lastSha256?.slice(0, 16) ?? 'none'}…: an older, forked or altered file`);
  }
  if (lane.lane.phase === 2 && phase2 === undefined) throw new TypeError(`checking ${laneName(lane.lane)} needs the key it started from and the prepared powers of tau`);
  const contributed = lane.contributors.length > 0 || beaconHash !== null;
  let found: readonly FileContribution[];
  try {
    if (lane.lane.phase === 1) {
      // A new accumulator holds no contribution for snarkjs to check; its hash is what the coordinator opened the lane with.
      if (contributed) await verifyPhase1(file, logger);
      found = await readPtauContributions(file, curve);
    } else {
      if (contributed) await verifyPhase2(phase2!.initZkey, phase2!.preparedPtau, file, logger);
      found = (await readZkeyContributions(file, curve)).contributions;
    }
  } catch (error) {
    if (error instanceof SetupStepError) throw new CeremonyFileError(file, `snarkjs refuses it (${error.message}): a corrupt or malicious contribution`);
    if (error instanceof Error && (error as NodeJS.ErrnoException).code === undefined) throw new CeremonyFileError(file, `unreadable as a ${lane.lane.phase === 1 ? 'powers-of-tau' : 'proving key'} file (${error.message})`);
    throw error;
  }
  const mismatch = contributionMismatch(lane, beaconHash, found.map((contribution) => contribution.contributionHash));
  if (mismatch !== null) throw new CeremonyFileError(file, mismatch);
  return found;
}
