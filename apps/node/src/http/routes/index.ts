import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { agreementRoutes } from './agreements.js';
import { batchRoutes } from './batches.js';
import { blockRoutes } from './blocks.js';
import { eventRoutes } from './events.js';
import { operationalRoutes } from './operational.js';
import { periodRoutes } from './periods.js';
import { statementRoutes } from './statements.js';
import { statusRoutes } from './status.js';
import { txRoutes } from './txs.js';

/** One resource's routes: registers them on the server; each route declares `config.access` and its schemas. */
export type ApiRoutes = (server: FastifyInstance, context: ApiContext) => void;

/** The route table: one file per resource. */
export const API_ROUTES: readonly ApiRoutes[] = [operationalRoutes, statusRoutes, txRoutes, blockRoutes, eventRoutes, agreementRoutes, batchRoutes, statementRoutes, periodRoutes];
