import { fromHex, toHex } from '@consortium/consensus';
import Type from 'typebox';
import { reportInvalidRequest } from '../error-handler.js';
import { AUTH_REFUSALS, ErrorBody, Hash32Hex, OpenObject } from '../schemas.js';
import type { ApiRoutes } from './index.js';

/** A batch holds at most this many transactions; the body limit bounds bytes. */
export const MAX_BATCH_TXS = 2_000;
/** A transaction in base64 is at most this long (4/3 of genesis's largest tx, with room). */
const TX_BASE64_MAX_CHARS = 2 * 1024 * 1024;
// peer_quota only limits gossip from peers; a client never meets it, but every reason has its status.
// unavailable: the node could not store the transaction, so it did not accept it; a retry may succeed.
const REJECTION_STATUS = { full: 503, duplicate: 409, committed: 409, invalid: 400, oversized: 413, peer_quota: 503, unavailable: 503 } as const;

const Base64Tx = Type.String({ minLength: 1, maxLength: TX_BASE64_MAX_CHARS, pattern: '^[A-Za-z0-9+/]+={0,2}$', description: 'the transaction bytes in base64' });

/** Transaction intake (operators act for their member) and committed transactions by hash. */
export const txRoutes: ApiRoutes = (server, context) => {
  const { consensus, store } = context;
  server.post<{ Body: { tx: string } }>(
    '/v1/txs',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['transactions'],
        summary: 'Submit one transaction to the mempool',
        body: Type.Object({ tx: Base64Tx }, { additionalProperties: false }),
        response: { 202: Type.Object({ hash: Hash32Hex }), 409: ErrorBody, 413: ErrorBody, 503: ErrorBody, ...AUTH_REFUSALS },
      },
    },
    async (request, reply) => {
      const outcome = await consensus.submitTx(new Uint8Array(Buffer.from(request.body.tx, 'base64')));
      if (outcome.accepted) return reply.code(202).send({ hash: toHex(outcome.hash) });
      // What the application or the size limit refuses is bad input (a full mempool or a duplicate is not).
      if (outcome.reason === 'invalid' || outcome.reason === 'oversized') reportInvalidRequest(context, request, outcome.reason === 'oversized' ? 'body_too_large' : 'bad_request', `transaction refused (${outcome.reason}): ${outcome.log ?? ''}`.trimEnd());
      return reply.code(REJECTION_STATUS[outcome.reason]).send({ error: outcome.reason, message: outcome.log ?? `transaction ${outcome.reason}` });
    },
  );

  server.post<{ Body: { txs: string[] } }>(
    '/v1/txs/batch',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['transactions'],
        summary: 'Submit many transactions; each refusal is counted by reason',
        body: Type.Object({ txs: Type.Array(Type.String({ maxLength: TX_BASE64_MAX_CHARS }), { minItems: 1, maxItems: MAX_BATCH_TXS }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ accepted: Type.Integer(), rejected: Type.Record(Type.String(), Type.Integer()) }), ...AUTH_REFUSALS },
      },
    },
    async (request) => {
      const rejected: Record<string, number> = {};
      let accepted = 0;
      // The mempool orders and deduplicates concurrent adds itself. A malformed entry is one
      // `invalid` of the batch, not a refusal of the others.
      const outcomes = await Promise.all(
        request.body.txs.map(async (encoded) => (/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) ? consensus.submitTx(new Uint8Array(Buffer.from(encoded, 'base64'))) : ({ accepted: false, reason: 'invalid' } as const))),
      );
      for (const outcome of outcomes) {
        if (outcome.accepted) accepted += 1;
        else rejected[outcome.reason] = (rejected[outcome.reason] ?? 0) + 1;
      }
      const bad = (rejected.invalid ?? 0) + (rejected.oversized ?? 0);
      // One event for the batch, not one per transaction: a bad batch is one client's one mistake.
      if (bad > 0) reportInvalidRequest(context, request, 'bad_request', `${bad} of ${request.body.txs.length} transactions refused as invalid or oversized`);
      return { accepted, rejected };
    },
  );

  server.get<{ Params: { hash: string } }>(
    '/v1/txs/:hash',
    {
      config: { access: 'observer' },
      schema: { tags: ['transactions'], summary: 'Where a committed transaction is and how it ended (ok, code, log)', params: Type.Object({ hash: Hash32Hex }), response: { 200: OpenObject('height and index of the transaction'), 404: ErrorBody, ...AUTH_REFUSALS } },
    },
    async (request, reply) => {
      const location = await store.findTx(fromHex(request.params.hash, 32)!);
      if (location === null) return reply.code(404).send({ error: 'not_found', message: 'no committed transaction has this hash' });
      // How it ended (ok, or the settlement rule that refused it), as this node executed it.
      const outcome = await context.settlement?.store.get('txresult', request.params.hash.toLowerCase());
      return outcome === undefined || outcome === null ? location : { ...location, ok: outcome.ok, code: outcome.code, log: outcome.log };
    },
  );
};
