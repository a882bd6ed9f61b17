import { ArtifactError, SetupStepError, type SetupLogger, type SinglePartyStep } from '@consortium/zkp';
import { CeremonyStepError } from './errors.js';
import type { Progress, StepProgress } from './output.js';
import { snarkjsProgress } from './snarkjs-progress.js';

/**
 * The demo ceremony's display: runSinglePartySetup of @consortium/zkp (the sequence the tests'
 * keys use too) runs each step through `demoStepRunner`, which gives it a progress bar fed by
 * snarkjs's log lines and turns a failed step into a CeremonyStepError with what to do next.
 */

/** A step's title on its progress line. */
export function demoStepTitle(step: SinglePartyStep): string {
  const circuit = step.circuit ?? '';
  switch (step.kind) {
    case 'ptau-new':
      return `powers of tau: new accumulator (2^${step.power})`;
    case 'ptau-contribute':
      return `powers of tau: contribution (2^${step.power})`;
    case 'ptau-beacon':
      return `powers of tau: beacon (2^${step.power})`;
    case 'prepare-phase2':
      // tau G2's domains are the circuits' own (tau G1 goes one further, for the H points).
      return `prepare phase 2 for the circuits' domains (${(step.domains?.['tauG2'] ?? []).map((d) => `2^${d}`).join(', ')})`;
    case 'new-zkey':
      return `${circuit}: new proving key`;
    case 'zkey-contribute':
      return `${circuit}: contribution`;
    case 'zkey-beacon':
      return `${circuit}: beacon and verification key`;
  }
}

/**
 * A logger for snarkjs: its lines go to `follow`, its errors to `problems` too. snarkjs calls
 * debug, info, warn and error, and `log` as well (newAccumulator from 2^16 on).
 */
export function followingLogger(follow: (line: string) => void, problems: string[]): SetupLogger & { log(message: string): void } {
  const error = (message: string) => {
    problems.push(message);
    follow(message);
  };
  return { debug: follow, info: follow, log: follow, warn: follow, error };
}

/** Runs one step with a logger that moves its bar when snarkjs's lines are understood. */
export async function withStepProgress<T>(step: SinglePartyStep, progress: StepProgress, run: (logger: SetupLogger) => Promise<T>): Promise<T> {
  const tracker = snarkjsProgress(step.kind, step.power, step.domains);
  const logger = followingLogger((message) => {
    const share = tracker.feed(message);
    if (share !== null) progress.fraction(share);
  }, []);
  return run(logger);
}

/** The `runStep` of runSinglePartySetup for `consortium-setup ceremony demo`: one tracked line per step. */
export function demoStepRunner(progress: Progress) {
  return <T>(step: SinglePartyStep, run: (logger?: SetupLogger) => Promise<T>): Promise<T> => {
    const title = demoStepTitle(step);
    return progress.track(title, async (stepProgress) => {
      try {
        const result = await withStepProgress(step, stepProgress, run);
        if (step.kind === 'zkey-beacon') stepProgress.outcome('vk_gamma_2 differs from vk_delta_2, so phase 2 had its contribution');
        return result;
      } catch (error) {
        throw asCeremonyStepError(title, error);
      }
    });
  };
}

/**
 * snarkjs's failures and a key whose phase 2 had no contribution (nodes refuse such a key, and
 * so does the ceremony: assertContributedKey of @consortium/zkp) become a CeremonyStepError
 * naming the step; anything else (a full disk, a bug) goes on as it is.
 */
export function asCeremonyStepError(title: string, error: unknown): unknown {
  if (error instanceof SetupStepError) return new CeremonyStepError(title, error.problem);
  if (error instanceof ArtifactError) return new CeremonyStepError(title, error.message);
  return error;
}
