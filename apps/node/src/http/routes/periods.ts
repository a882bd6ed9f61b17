import { getNetting, listKeyEpochs, listPeriods, READ_LIMIT_DEFAULT, settlementToJson } from '@consortium/settlement';
import Type from 'typebox';
import { notFound } from '../../settlement/errors.js';
import { AUTH_REFUSALS, ErrorBody, OpenObject } from '../schemas.js';
import { deskOf, Limit, MemberIdString, Period, settlementOf, TxAccepted, viewerOf } from './settlement-common.js';
import type { ApiRoutes } from './index.js';

/** Periods (close, netting) and key epochs: public chain facts. Anomalies: the node's own, for the parties of each pair only. */
export const periodRoutes: ApiRoutes = (server, context) => {
  server.post<{ Params: { member: string; period: string } }>(
    '/v1/members/:member/periods/:period/close',
    {
      config: { access: 'operator', memberParam: 'member' },
      schema: {
        tags: ['settlement'],
        summary: 'Close a period once it is over and every batch is settled: nets every settled statement into the fewest payments',
        params: Type.Object({ member: MemberIdString, period: Period }),
        response: { 202: TxAccepted, 409: ErrorBody, 503: ErrorBody, ...AUTH_REFUSALS },
      },
    },
    async (request, reply) => reply.code(202).send(await deskOf(context).closePeriod(request.params.period)),
  );

  server.get('/v1/periods', { config: { access: 'observer' }, schema: { tags: ['settlement'], summary: 'Every period with batches: how many, how many settled, closed or not', response: { 200: Type.Object({ periods: Type.Array(OpenObject('a period')) }), ...AUTH_REFUSALS } } }, () => ({
    periods: settlementToJson(listPeriods(settlementOf(context).app.state)),
  }));

  server.get<{ Params: { period: string } }>(
    '/v1/periods/:period/netting',
    {
      config: { access: 'observer' },
      schema: { tags: ['settlement'], summary: "A closed period's multilateral netting: balances and the fewest payments", params: Type.Object({ period: Period }), response: { 200: OpenObject('the netting'), 404: ErrorBody, ...AUTH_REFUSALS } },
    },
    (request) => {
      const netting = getNetting(settlementOf(context).app.state, request.params.period);
      if (netting === null) throw notFound(`period ${request.params.period} is not closed`);
      return settlementToJson(netting);
    },
  );

  server.get<{ Querystring: { afterSeq?: number; member?: string; limit?: number } }>(
    '/v1/anomalies',
    {
      config: { access: 'observer' },
      schema: {
        tags: ['settlement'],
        summary:
          "Usage anomalies this node raised on its member's pairs (spikes and drops to zero against a moving baseline), in the order raised: an operator sees those of the pairs its member is a party of, anyone else an empty list (volumes and baselines are the parties' data)",
        querystring: Type.Object({ afterSeq: Type.Optional(Type.Integer({ minimum: 0 })), member: Type.Optional(MemberIdString), limit: Limit }, { additionalProperties: false }),
        response: { 200: Type.Object({ anomalies: Type.Array(OpenObject('an anomaly')) }), ...AUTH_REFUSALS },
      },
    },
    async (request) => {
      const viewer = viewerOf(request);
      const reader = viewer.kind === 'member' ? { member: viewer.member } : null;
      const { afterSeq, member, limit } = request.query;
      const anomalies = await settlementOf(context).detection.anomalies(reader, { limit: limit ?? READ_LIMIT_DEFAULT, ...(afterSeq === undefined ? {} : { afterSeq }), ...(member === undefined ? {} : { member }) });
      return { anomalies: settlementToJson(anomalies) };
    },
  );

  server.get('/v1/key-epochs', { config: { access: 'observer' }, schema: { tags: ['settlement'], summary: 'The registered key epochs: sha256 pins of each circuit\'s zkey, wasm and vkey', response: { 200: Type.Object({ epochs: Type.Array(OpenObject('a key epoch')) }), ...AUTH_REFUSALS } } }, () => ({
    epochs: settlementToJson(listKeyEpochs(settlementOf(context).app.state)),
  }));
};
