import { listAgreements, settlementToJson } from '@consortium/settlement';
import Type from 'typebox';
import { AUTH_REFUSALS, ErrorBody, OpenObject } from '../schemas.js';
import { deskOf, Hex32, Limit, MemberIdString, MemberParams, Period, RateTableJson, settlementOf, viewerOf } from './settlement-common.js';
import type { ApiRoutes } from './index.js';

type RatesBody = Record<string, { voice_mo: string; voice_mt: string; sms: string; data: string }>;

/** Roaming agreements: a member proposes (both rate tables), the counterparty accepts, both signatures go on chain. */
export const agreementRoutes: ApiRoutes = (server, context) => {
  server.post<{ Params: { member: string }; Body: { counterparty: string; fromPeriod: string; toPeriod: string; rates: RatesBody } }>(
    '/v1/members/:member/agreements',
    {
      config: { access: 'operator', memberParam: 'member' },
      schema: {
        tags: ['settlement'],
        summary: 'Propose an agreement to another member: both directions\' rate tables, salted and committed; the tables go to the counterparty only',
        params: MemberParams,
        body: Type.Object(
          {
            counterparty: MemberIdString,
            fromPeriod: Period,
            toPeriod: Period,
            rates: Type.Record(MemberIdString, RateTableJson, { minProperties: 2, maxProperties: 2, description: 'one table per creditor: this member and the counterparty' }),
          },
          { additionalProperties: false },
        ),
        response: { 202: Type.Object({ agreementId: Hex32, state: Type.Literal('awaiting_counterparty') }), 409: ErrorBody, 503: ErrorBody, ...AUTH_REFUSALS },
      },
    },
    async (request, reply) => {
      const { counterparty, fromPeriod, toPeriod, rates } = request.body;
      const tables = Object.fromEntries(Object.entries(rates).map(([creditor, table]) => [creditor, { voice_mo: BigInt(table.voice_mo), voice_mt: BigInt(table.voice_mt), sms: BigInt(table.sms), data: BigInt(table.data) }]));
      const { agreementId } = await deskOf(context).proposeAgreement({ counterparty, fromPeriod, toPeriod, rates: tables });
      return reply.code(202).send({ agreementId, state: 'awaiting_counterparty' });
    },
  );

  server.get<{ Params: { member: string } }>(
    '/v1/members/:member/agreements/proposals',
    {
      config: { access: 'operator', memberParam: 'member' },
      schema: { tags: ['settlement'], summary: 'Agreement proposals sent or received, not yet on chain (with their rate tables)', params: MemberParams, response: { 200: Type.Object({ proposals: Type.Array(OpenObject('a proposal')) }), ...AUTH_REFUSALS } },
    },
    async () => {
      const proposals = (await deskOf(context).proposals()).filter((p) => p.kind === 'agreement');
      return {
        proposals: proposals.map((p) => ({
          agreementId: p.id,
          direction: p.direction,
          counterparty: p.counterparty,
          fromPeriod: p.terms!.fromPeriod,
          toPeriod: p.terms!.toPeriod,
          rates: Object.fromEntries(p.terms!.directions.map((d) => [d.creditor, settlementToJson(d.rates)])),
        })),
      };
    },
  );

  server.post<{ Params: { member: string; agreementId: string } }>(
    '/v1/members/:member/agreements/:agreementId/accept',
    {
      config: { access: 'operator', memberParam: 'member' },
      schema: {
        tags: ['settlement'],
        summary: 'Accept a received agreement proposal: co-sign it and submit register_agreement',
        params: Type.Object({ member: MemberIdString, agreementId: Hex32 }),
        response: { 202: Type.Object({ agreementId: Hex32, txHash: Hex32 }), 404: ErrorBody, 409: ErrorBody, 503: ErrorBody, ...AUTH_REFUSALS },
      },
    },
    async (request, reply) => {
      const { txHash } = await deskOf(context).acceptAgreement(request.params.agreementId);
      return reply.code(202).send({ agreementId: request.params.agreementId, txHash });
    },
  );

  server.get<{ Querystring: { member?: string; limit?: number } }>(
    '/v1/agreements',
    {
      config: { access: 'observer' },
      schema: {
        tags: ['settlement'],
        summary: 'Registered agreements (rate commitments for their parties only)',
        querystring: Type.Object({ member: Type.Optional(MemberIdString), limit: Limit }, { additionalProperties: false }),
        response: { 200: Type.Object({ agreements: Type.Array(OpenObject('an agreement')) }), ...AUTH_REFUSALS },
      },
    },
    (request) => {
      const { member, limit } = request.query;
      return { agreements: settlementToJson(listAgreements(settlementOf(context).app.state, viewerOf(request), { ...(member === undefined ? {} : { member }), ...(limit === undefined ? {} : { limit }) })) };
    },
  );
};

