import { OpenObject } from '../schemas.js';
import type { ApiRoutes } from './index.js';
import Type from 'typebox';
import { AUTH_REFUSALS } from '../schemas.js';

/** The node's own state: who it is, its chain, its consensus and its peers. */
export const statusRoutes: ApiRoutes = (server, context) => {
  server.get(
    '/v1/status',
    {
      config: { access: 'observer' },
      schema: {
        tags: ['chain'],
        summary: "This node's member, chain and consensus state",
        response: {
          200: Type.Object(
            {
              member: Type.String(),
              chainId: Type.String(),
              validators: Type.Integer(),
              connectedMembers: Type.Array(Type.String()),
              consensus: OpenObject('consensus status (height, round, step, ...)'),
            },
            { additionalProperties: true },
          ),
          ...AUTH_REFUSALS,
        },
      },
    },
    () => ({
      member: context.memberId,
      chainId: context.genesis.chainId,
      validators: context.genesis.members.length,
      connectedMembers: context.p2p.connectedMembers(),
      consensus: context.consensus.status(),
    }),
  );
  server.get(
    '/v1/peers',
    { config: { access: 'observer' }, schema: { tags: ['chain'], summary: 'Health of the connection to each member', response: { 200: Type.Array(OpenObject('one member peer')), ...AUTH_REFUSALS } } },
    () => context.p2p.peerHealth(),
  );
};
