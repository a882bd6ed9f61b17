import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { blockRoutes } from './blocks.js';
import { eventRoutes } from './events.js';
import { operationalRoutes } from './operational.js';
import { statusRoutes } from './status.js';
import { txRoutes } from './txs.js';

/** One resource's routes: registers them on the server; each route declares `config.access` and its schemas. */
export type ApiRoutes = (server: FastifyInstance, context: ApiContext) => void;

/**
 * The route table: one file per resource. The settlement resources (agreements, batches,
 * statements, periods, netting, anomalies) join as one more file each.
 */
export const API_ROUTES: readonly ApiRoutes[] = [operationalRoutes, statusRoutes, txRoutes, blockRoutes, eventRoutes];
