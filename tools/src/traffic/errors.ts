/**
 * What stops the traffic generator, one class per condition (callers branch on the class or
 * `name`, never on the message).
 */

/** A traffic option out of its range; `field` names it (`periods`, `records`, ...). */
export class TrafficOptionsError extends Error {
  override readonly name = 'TrafficOptionsError';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field} ${message}`);
  }
}

/** endpoints.json is missing, of another format, or names no member the generator can act for. */
export class TrafficEndpointsError extends Error {
  override readonly name = 'TrafficEndpointsError';

  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/** A settlement transaction the generator submitted committed with a refusal (its `code` is not "ok"). */
export class TxRefusedError extends Error {
  override readonly name = 'TxRefusedError';

  constructor(
    readonly txHash: string,
    readonly code: string,
    readonly log: string,
  ) {
    super(`transaction ${txHash} was refused on execution: ${code}${log === '' ? '' : ` (${log})`}`);
  }
}

/** What the chain holds contradicts what the generator did (a batch missing after its commit, nettings that differ between nodes). */
export class TrafficConsistencyError extends Error {
  override readonly name = 'TrafficConsistencyError';
}
