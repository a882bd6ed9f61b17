import type { FastifyRequest } from 'fastify';
import { PUBLIC_VIEWER, READ_LIMIT_MAX, type Viewer } from '@consortium/settlement';
import Type from 'typebox';
import type { SettlementDesk } from '../../settlement/desk.js';
import type { SettlementParts } from '../../settlement/start.js';
import { unavailable } from '../../settlement/errors.js';
import { clientOf } from '../auth.js';
import type { ApiContext } from '../context.js';

/** Shapes and helpers the settlement routes share. Amounts and ids are decimal strings (never a JSON number: no float touches money). */

export const Decimal = Type.String({ pattern: '^(0|[1-9][0-9]{0,76})$', description: 'a non-negative integer as a decimal string' });
export const Period = Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$', description: 'a settlement period, YYYY-MM' });
export const MemberIdString = Type.String({ minLength: 1, maxLength: 64, description: 'a member id as in genesis' });
export const Hex32 = Type.String({ pattern: '^[0-9a-f]{64}$', description: '32 bytes in lowercase hex' });
export const BatchId = Type.String({ minLength: 1, maxLength: 200, pattern: '^[^/]+>[^/]+/[0-9]{4}-[0-9]{2}/[0-9]+$', description: 'creditor>debtor/period/firstId' });
export const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: READ_LIMIT_MAX }));
export const MemberParams = Type.Object({ member: MemberIdString });
export const TxAccepted = Type.Object({ txHash: Hex32 }, { description: 'in the mempool; GET /v1/txs/{txHash} says how it ended once committed' });
export const RateTableJson = Type.Object({ voice_mo: Decimal, voice_mt: Decimal, sms: Decimal, data: Decimal }, { additionalProperties: false, description: 'minor units per charging unit (second, message, megabyte)' });

/** The settlement parts, or 503 on a chain that runs the key-value test application. */
export function settlementOf(context: ApiContext): SettlementParts {
  if (context.settlement === null) throw unavailable('no_settlement', 'this chain runs the key-value test application (genesis application "kv-test"): it settles nothing');
  return context.settlement;
}

export function deskOf(context: ApiContext): SettlementDesk {
  return settlementOf(context).desk;
}

/** Operators read as their member (their private fields); observers and admins read the public view. */
export function viewerOf(request: FastifyRequest): Viewer {
  const client = clientOf(request);
  return client?.role === 'operator' && client.member !== undefined ? { kind: 'member', member: client.member } : PUBLIC_VIEWER;
}
