import { DISPUTE_REASON_CODES, getStatement, listStatements, settlementToJson, STATEMENT_STATES, type DisputeReasonCode, type StatementFilter } from '@consortium/settlement';
import Type from 'typebox';
import { notFound } from '../../settlement/errors.js';
import { AUTH_REFUSALS, ErrorBody, OpenObject } from '../schemas.js';
import { BatchId, Decimal, deskOf, Hex32, Limit, MemberIdString, Period, settlementOf, TxAccepted, viewerOf } from './settlement-common.js';
import type { ApiRoutes } from './index.js';

const StatementParams = Type.Object({ member: MemberIdString, statementId: Hex32 });
const SUBMIT_REFUSALS = { 404: ErrorBody, 409: ErrorBody, 503: ErrorBody, ...AUTH_REFUSALS } as const;

/** Statements: the creditor proposes (with a proof made on the node's prover pool), the debtor accepts or disputes, both resolve. */
export const statementRoutes: ApiRoutes = (server, context) => {
  server.post<{ Params: { member: string }; Body: { batchId: string } }>(
    '/v1/members/:member/statements',
    {
      config: { access: 'operator', memberParam: 'member' },
      schema: {
        tags: ['settlement'],
        summary: "Prove a committed batch's statement on this node's prover pool and propose it when the proof is ready",
        params: Type.Object({ member: MemberIdString }),
        body: Type.Object({ batchId: BatchId }, { additionalProperties: false }),
        response: { 202: Type.Object({ statementId: Hex32, state: Type.Literal('proving') }), ...SUBMIT_REFUSALS },
      },
    },
    async (request, reply) => {
      const { statementId } = await deskOf(context).proposeStatement(request.body.batchId);
      return reply.code(202).send({ statementId, state: 'proving' });
    },
  );

  server.post<{ Params: { member: string; statementId: string } }>(
    '/v1/members/:member/statements/:statementId/accept',
    { config: { access: 'operator', memberParam: 'member' }, schema: { tags: ['settlement'], summary: "The debtor accepts a statement (its node must hold the batch's checked records)", params: StatementParams, response: { 202: TxAccepted, ...SUBMIT_REFUSALS } } },
    async (request, reply) => reply.code(202).send(await deskOf(context).acceptStatement(request.params.statementId)),
  );

  server.post<{ Params: { member: string; statementId: string }; Body: { reasonCode: DisputeReasonCode; reason: string } }>(
    '/v1/members/:member/statements/:statementId/dispute',
    {
      config: { access: 'operator', memberParam: 'member' },
      schema: {
        tags: ['settlement'],
        summary: 'The debtor disputes a statement, with a reason',
        params: StatementParams,
        body: Type.Object({ reasonCode: Type.Union(DISPUTE_REASON_CODES.map((code) => Type.Literal(code))), reason: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }),
        response: { 202: TxAccepted, ...SUBMIT_REFUSALS },
      },
    },
    async (request, reply) => reply.code(202).send(await deskOf(context).disputeStatement(request.params.statementId, request.body.reasonCode, request.body.reason)),
  );

  server.post<{ Params: { member: string; statementId: string }; Body: { agreedTotal: string } }>(
    '/v1/members/:member/statements/:statementId/resolution',
    {
      config: { access: 'operator', memberParam: 'member' },
      schema: {
        tags: ['settlement'],
        summary: 'Resolve a dispute with an agreed total: the first party signs and sends it to the other; the second posting the same total submits both signatures',
        params: StatementParams,
        body: Type.Object({ agreedTotal: Decimal }, { additionalProperties: false }),
        response: { 202: Type.Union([TxAccepted, Type.Object({ state: Type.Literal('awaiting_counterparty') })]), ...SUBMIT_REFUSALS },
      },
    },
    async (request, reply) => reply.code(202).send(await deskOf(context).resolveDispute(request.params.statementId, BigInt(request.body.agreedTotal))),
  );

  server.get<{ Querystring: { state?: string; period?: string; creditor?: string; debtor?: string; limit?: number } }>(
    '/v1/statements',
    {
      config: { access: 'observer' },
      schema: {
        tags: ['settlement'],
        summary: 'Statements (public inputs, proof and totals for their parties only)',
        querystring: Type.Object(
          { state: Type.Optional(Type.Union(STATEMENT_STATES.map((s) => Type.Literal(s)))), period: Type.Optional(Period), creditor: Type.Optional(MemberIdString), debtor: Type.Optional(MemberIdString), limit: Limit },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ statements: Type.Array(OpenObject('a statement')) }), ...AUTH_REFUSALS },
      },
    },
    (request) => ({ statements: settlementToJson(listStatements(settlementOf(context).app.state, viewerOf(request), request.query as StatementFilter)) }),
  );

  server.get<{ Params: { statementId: string } }>(
    '/v1/statements/:statementId',
    {
      config: { access: 'observer' },
      schema: { tags: ['settlement'], summary: 'One statement; 404 while it is still being proved (or never was)', params: Type.Object({ statementId: Hex32 }), response: { 200: OpenObject('a statement'), 404: ErrorBody, ...AUTH_REFUSALS } },
    },
    (request) => {
      const statement = getStatement(settlementOf(context).app.state, request.params.statementId, viewerOf(request));
      if (statement === null) {
        const proving = context.settlement?.desk.provingState(request.params.statementId);
        throw notFound(proving === undefined ? `no statement ${request.params.statementId} on chain` : proving === null ? `statement ${request.params.statementId} is being proved on this node` : `proving statement ${request.params.statementId} failed: ${proving}`);
      }
      return settlementToJson(statement);
    },
  );
};
