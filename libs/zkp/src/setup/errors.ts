/**
 * A step of the Groth16 setup failed inside snarkjs: it threw, or logged an error and returned
 * -1 or false (its way of reporting a bad file or a failed check). `step` names the step
 * ("powers of tau: contribution"), `problem` what snarkjs said.
 */
export class SetupStepError extends Error {
  override readonly name = 'SetupStepError';
  constructor(
    readonly step: string,
    readonly problem: string,
  ) {
    super(`${step}: ${problem}`);
  }
}
