import { getBatch, listBatches, settlementToJson } from '@consortium/settlement';
import Type from 'typebox';
import { notFound } from '../../settlement/errors.js';
import { AUTH_REFUSALS, ErrorBody, OpenObject } from '../schemas.js';
import { BatchId, Decimal, deskOf, Hex32, Limit, MemberIdString, MemberParams, Period, settlementOf, viewerOf } from './settlement-common.js';
import type { ApiRoutes } from './index.js';

/** A request holds at most this many records (the node cuts them into batches of its circuit's size). */
export const USAGE_RECORDS_PER_REQUEST_MAX = 4_096;

const UsageRecordJson = Type.Object(
  {
    subscriberRef: Type.String({ pattern: '^[0-9a-f]{32}$', description: 'pseudonymous subscriber reference (32 hex), never an IMSI' }),
    service: Type.Union([Type.Literal('voice_mo'), Type.Literal('voice_mt'), Type.Literal('sms'), Type.Literal('data')]),
    startTime: Decimal,
    volume: Decimal,
  },
  { additionalProperties: false },
);

/** Usage: a creditor's records in (committed as batches, the raw records to the debtor only), batches out. */
export const batchRoutes: ApiRoutes = (server, context) => {
  server.post<{ Params: { member: string }; Body: { debtor: string; period: string; records: { subscriberRef: string; service: 'voice_mo' | 'voice_mt' | 'sms' | 'data'; startTime: string; volume: string }[] } }>(
    '/v1/members/:member/usage',
    {
      config: { access: 'operator', memberParam: 'member' },
      schema: {
        tags: ['settlement'],
        summary: "Bill a debtor for its subscribers' usage on this member's network: numbered, committed as batches, records sent to the debtor only",
        params: MemberParams,
        body: Type.Object({ debtor: MemberIdString, period: Period, records: Type.Array(UsageRecordJson, { minItems: 1, maxItems: USAGE_RECORDS_PER_REQUEST_MAX }) }, { additionalProperties: false }),
        response: {
          202: Type.Object({ batches: Type.Array(Type.Object({ batchId: BatchId, firstId: Decimal, count: Type.Integer(), txHash: Hex32 })) }),
          409: ErrorBody,
          503: ErrorBody,
          ...AUTH_REFUSALS,
        },
      },
    },
    async (request, reply) => {
      const { debtor, period, records } = request.body;
      const { batches } = await deskOf(context).submitUsage({
        debtor,
        period,
        records: records.map((r) => ({ subscriberRef: r.subscriberRef, service: r.service, startTime: BigInt(r.startTime), volume: BigInt(r.volume) })),
      });
      return reply.code(202).send({ batches: batches.map((b) => ({ ...b, firstId: b.firstId.toString() })) });
    },
  );

  server.get<{ Params: { member: string; batchId: string } }>(
    '/v1/members/:member/batches/:batchId/records',
    {
      config: { access: 'operator', memberParam: 'member' },
      schema: {
        tags: ['settlement'],
        summary: "A batch's raw records, for its creditor or (once received and checked) its debtor",
        params: Type.Object({ member: MemberIdString, batchId: BatchId }),
        response: { 200: OpenObject('the batch: batchId, status, salt, records'), 404: ErrorBody, ...AUTH_REFUSALS },
      },
    },
    async (request) => {
      const own = await deskOf(context).batchRecords(request.params.batchId);
      if (own === null) throw notFound(`${request.params.member} holds no records of batch ${request.params.batchId}`);
      return settlementToJson({ batchId: own.batchId, role: own.role, status: own.status, salt: own.records.salt, records: own.records.records });
    },
  );

  server.get<{ Querystring: { period?: string; creditor?: string; debtor?: string; limit?: number } }>(
    '/v1/batches',
    {
      config: { access: 'observer' },
      schema: {
        tags: ['settlement'],
        summary: 'Committed usage batches (commitments, digests and volumes for their parties only)',
        querystring: Type.Object({ period: Type.Optional(Period), creditor: Type.Optional(MemberIdString), debtor: Type.Optional(MemberIdString), limit: Limit }, { additionalProperties: false }),
        response: { 200: Type.Object({ batches: Type.Array(OpenObject('a batch')) }), ...AUTH_REFUSALS },
      },
    },
    (request) => ({ batches: settlementToJson(listBatches(settlementOf(context).app.state, viewerOf(request), request.query)) }),
  );

  server.get<{ Params: { batchId: string } }>(
    '/v1/batches/:batchId',
    {
      config: { access: 'observer' },
      schema: { tags: ['settlement'], summary: 'One committed usage batch', params: Type.Object({ batchId: BatchId }), response: { 200: OpenObject('a batch'), 404: ErrorBody, ...AUTH_REFUSALS } },
    },
    (request) => {
      const batch = getBatch(settlementOf(context).app.state, request.params.batchId, viewerOf(request));
      if (batch === null) throw notFound(`no committed batch ${request.params.batchId}`);
      return settlementToJson(batch);
    },
  );
};
