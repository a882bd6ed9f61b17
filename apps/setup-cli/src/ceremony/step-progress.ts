import type { SetupLogger } from '@consortium/zkp';
import { followingLogger } from '../demo-ceremony.js';
import type { StepProgress } from '../output.js';
import { snarkjsProgress, type SnarkjsTask } from '../snarkjs-progress.js';

/**
 * The bar of a ceremony step that first checks the files it builds on (snarkjs's verification:
 * no progress lines to read, so the bar waits at its share) and then computes (a contribution or
 * the beacon: snarkjs's lines move the bar over the rest).
 */
const CHECK_SHARE = 0.3;

export function checkThenCompute(bar: StepProgress, task: SnarkjsTask, power: number): { readonly logger: SetupLogger; readonly onStage: (stage: 'check' | 'compute') => void } {
  const tracker = snarkjsProgress(task, power);
  let computing = false;
  const logger = followingLogger((line) => {
    if (!computing) return;
    const share = tracker.feed(line);
    if (share !== null) bar.fraction(CHECK_SHARE + (1 - CHECK_SHARE) * share);
  }, []);
  const onStage = (stage: 'check' | 'compute') => {
    computing = stage === 'compute';
    if (computing) bar.fraction(CHECK_SHARE);
  };
  return { logger, onStage };
}
