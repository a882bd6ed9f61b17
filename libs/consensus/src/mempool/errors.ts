/**
 * The mempool answers a refused transaction with a result, never an exception: a refusal is
 * normal traffic. These errors are a caller's bugs, one class per condition.
 */

/** An option or argument outside its domain (a limit of 0, a negative byte count). */
export class MempoolArgumentError extends Error {
  override readonly name = 'MempoolArgumentError';
}

/** update() for a height not above the last one: a block applied twice or out of order. */
export class MempoolUpdateOrderError extends Error {
  override readonly name = 'MempoolUpdateOrderError';
  constructor(
    readonly lastHeight: number,
    readonly height: number,
  ) {
    super(`mempool update for height ${height} after height ${lastHeight}: heights must increase`);
  }
}
