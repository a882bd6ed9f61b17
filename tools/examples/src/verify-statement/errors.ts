/**
 * Why verify-statement could not check a statement at all (exit code 2), one class per cause,
 * each with the message an operator acts on. A check that ran and failed is not an error: it is
 * a ✖ line in the report (exit code 1).
 */

/** Options missing or malformed. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** fetch's own message is "fetch failed"; the reason (ECONNREFUSED, a timeout) is in its cause. */
function reasonOf(error: unknown): string {
  const { message, cause } = error as { message?: string; cause?: { code?: string; message?: string } };
  const detail = cause?.code ?? cause?.message;
  return detail === undefined ? String(message ?? error) : `${message ?? 'failed'} (${detail})`;
}

/** The node did not answer (connection refused, DNS, timeout). */
export class NodeUnreachableError extends Error {
  override readonly name = 'NodeUnreachableError';
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`cannot reach the node at ${url}: ${reasonOf(cause)}. Is the node running (\`npm start\`), and is --node its API URL (apiUrl in .devnet/endpoints.json)?`, { cause });
  }
}

/** What to do about an HTTP status the API answers (see the settlement API's error contract). */
const STATUS_ADVICE: Readonly<Record<number, string>> = {
  401: 'the token was refused: pass a token file of .devnet/<member>/tokens/ (or its value) with --token',
  403: "this token may not read that: use the operator token of the statement's creditor or debtor",
  404: 'the node does not know it: check the id (GET /v1/statements lists statements)',
  429: 'the node rate-limits this client: wait for Retry-After and run again',
  503: 'the node is stopping: start it again and retry',
};

/** The node answered with an error status. `error` is the API's error class or code. */
export class NodeAnswerError extends Error {
  override readonly name = 'NodeAnswerError';
  constructor(
    readonly route: string,
    readonly status: number,
    readonly error: string,
    detail: string,
  ) {
    super(`${route} answered ${status} ${error}${detail === '' ? '' : `: ${detail}`}${STATUS_ADVICE[status] === undefined ? '' : ` (${STATUS_ADVICE[status]})`}`);
  }
}

/** An answer of the node that is not what the settlement API describes (a field missing or malformed). */
export class UnexpectedAnswerError extends Error {
  override readonly name = 'UnexpectedAnswerError';
  constructor(
    readonly route: string,
    readonly field: string,
    problem: string,
  ) {
    super(`${route}: ${field} ${problem}: is --node a consortium node of this version?`);
  }
}

/** The statement's proof and public inputs are hidden from this token (the public view). */
export class PublicViewError extends Error {
  override readonly name = 'PublicViewError';
  constructor(readonly statementId: string) {
    super(
      `statement ${statementId}: this token sees the public view, without proof and public inputs. Use the operator token of the statement's creditor or debtor (.devnet/<member>/tokens/operator.token).`,
    );
  }
}

/** The keys folder cannot give the verification key the statement needs. */
export class KeysFolderError extends Error {
  override readonly name = 'KeysFolderError';
}
