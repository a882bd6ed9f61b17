/**
 * Why the node refuses an operator's settlement request, with the HTTP status it maps to:
 * 400 a field is wrong (named), 404 the thing does not exist, 409 a settlement rule or the
 * state refuses it now (`error` is the rule's error class, e.g. PeriodNotOverError), 503 the node
 * cannot do it now (a full mempool, an unreachable counterparty, no proving keys).
 */
export class SettlementRequestError extends Error {
  override readonly name = 'SettlementRequestError';
  constructor(
    readonly status: 400 | 404 | 409 | 503,
    /** Stable code for clients to branch on. */
    readonly code: string,
    message: string,
    /** The request field at fault (body.records[3].startTime). */
    readonly field?: string,
  ) {
    super(message);
  }
}

export const badField = (field: string, message: string) => new SettlementRequestError(400, 'invalid_request', message, field);
export const notFound = (message: string) => new SettlementRequestError(404, 'not_found', message);
export const conflict = (code: string, message: string) => new SettlementRequestError(409, code, message);
export const unavailable = (code: string, message: string) => new SettlementRequestError(503, code, message);
