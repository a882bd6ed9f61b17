import { decodeEvidence, fromHex, toHex, txHash, type ChainStore, type ConsensusNode, type Evidence, type Genesis } from '@consortium/consensus';
import type { P2PNode } from '@consortium/p2p';
import type { Telemetry } from '@consortium/telemetry';
import Fastify, { type FastifyInstance } from 'fastify';
import { instrumentApi } from './api-metrics.js';

/**
 * The node's HTTP API. This issue brings the operational endpoints and transaction intake;
 * credentials, roles and rate limits come with the node/settlement issue, so until then the
 * server listens on loopback by default (node.json http.host).
 */

export interface ApiContext {
  readonly genesis: Genesis;
  readonly memberId: string;
  readonly consensus: ConsensusNode;
  readonly p2p: P2PNode;
  readonly telemetry: Telemetry;
  readonly store: Pick<ChainStore, 'findTx' | 'getCommittedBlock' | 'listEvidence'>;
}

/** A batch holds at most this many transactions; the body limit bounds bytes. */
const MAX_BATCH_TXS = 2_000;
const BODY_LIMIT_BYTES = 8 * 1024 * 1024;
const MAX_EVIDENCE_LISTED = 100;
// peer_quota only limits gossip from peers; a client never meets it, but every reason has its status.
const REJECTION_STATUS = { full: 503, duplicate: 409, committed: 409, invalid: 400, oversized: 413, peer_quota: 503 } as const;

function decodeBase64Tx(value: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length === 0) return null;
  return new Uint8Array(Buffer.from(value, 'base64'));
}

export async function createApiServer(context: ApiContext): Promise<FastifyInstance> {
  const { consensus, telemetry } = context;
  const server = Fastify({ bodyLimit: BODY_LIMIT_BYTES, logger: false });
  instrumentApi(server, telemetry.metrics.api);

  server.get('/health', async (_request, reply) => {
    const { statusCode, body } = telemetry.health.liveness();
    return reply.code(statusCode).send(body);
  });
  server.get('/ready', async (_request, reply) => {
    const { statusCode, body } = await telemetry.health.readiness();
    return reply.code(statusCode).send(body);
  });
  server.get('/metrics', async (_request, reply) => {
    const page = await telemetry.renderMetrics();
    return reply.type(page.contentType).send(page.body);
  });

  server.get('/v1/status', () => ({
    member: context.memberId,
    chainId: context.genesis.chainId,
    validators: context.genesis.members.length,
    connectedMembers: context.p2p.connectedMembers(),
    consensus: consensus.status(),
  }));

  server.get('/v1/peers', () => context.p2p.peerHealth());

  server.post<{ Body: { tx: string } }>(
    '/v1/txs',
    { schema: { body: { type: 'object', required: ['tx'], additionalProperties: false, properties: { tx: { type: 'string', maxLength: 2 * 1024 * 1024 } } } } },
    async (request, reply) => {
      const tx = decodeBase64Tx(request.body.tx);
      if (tx === null) return reply.code(400).send({ error: 'invalid', message: 'tx must be non-empty base64' });
      const outcome = await consensus.submitTx(tx);
      if (outcome.accepted) return reply.code(202).send({ hash: toHex(outcome.hash) });
      return reply.code(REJECTION_STATUS[outcome.reason]).send({ error: outcome.reason, message: outcome.log ?? `transaction ${outcome.reason}` });
    },
  );

  server.post<{ Body: { txs: string[] } }>(
    '/v1/txs/batch',
    {
      schema: {
        body: {
          type: 'object',
          required: ['txs'],
          additionalProperties: false,
          properties: { txs: { type: 'array', minItems: 1, maxItems: MAX_BATCH_TXS, items: { type: 'string' } } },
        },
      },
    },
    async (request) => {
      const rejected: Record<string, number> = {};
      let accepted = 0;
      // The mempool orders and deduplicates concurrent adds itself.
      const outcomes = await Promise.all(
        request.body.txs.map(async (encoded) => {
          const tx = decodeBase64Tx(encoded);
          return tx === null ? ({ accepted: false, reason: 'invalid' } as const) : consensus.submitTx(tx);
        }),
      );
      for (const outcome of outcomes) {
        if (outcome.accepted) accepted += 1;
        else rejected[outcome.reason] = (rejected[outcome.reason] ?? 0) + 1;
      }
      return { accepted, rejected };
    },
  );

  server.get<{ Params: { hash: string } }>('/v1/txs/:hash', async (request, reply) => {
    const hash = fromHex(request.params.hash, 32);
    if (hash === null) return reply.code(400).send({ error: 'invalid', message: 'hash must be 64 hex characters' });
    const location = await context.store.findTx(hash);
    if (location === null) return reply.code(404).send({ error: 'not_found', message: 'no committed transaction has this hash' });
    return location;
  });

  server.get('/v1/evidence', async () => {
    const stored = await context.store.listEvidence(MAX_EVIDENCE_LISTED);
    return stored.map(({ height, record }) => ({ height, ...evidenceToJson(decodeEvidence(record)) }));
  });

  server.get<{ Params: { height: string } }>('/v1/blocks/:height', async (request, reply) => {
    const height = Number(request.params.height);
    if (!Number.isSafeInteger(height) || height < 1) return reply.code(400).send({ error: 'invalid', message: 'height must be a positive integer' });
    const committed = await context.store.getCommittedBlock(height);
    if (committed === null) return reply.code(404).send({ error: 'not_found', message: `no block at height ${height} yet` });
    const { block, certificate } = committed;
    return {
      height,
      hash: toHex(certificate.blockHash),
      timeMs: block.header.timeMs,
      proposer: block.header.proposer,
      previousBlockHash: toHex(block.header.previousBlockHash),
      appHash: toHex(block.header.appHash),
      txs: block.txs.map((tx) => toHex(txHash(tx))),
      certificate: { round: certificate.round, signers: certificate.signatures.map((s) => s.validator) },
    };
  });

  return server;
}

/** Evidence with hashes and signatures in hex: enough to re-check both signatures elsewhere. */
function evidenceToJson(evidence: Evidence) {
  const hex = (bytes: Uint8Array | null) => (bytes === null ? null : toHex(bytes));
  if (evidence.kind === 'duplicateVote') {
    const vote = (v: typeof evidence.first) => ({ type: v.type, height: v.height, round: v.round, blockHash: hex(v.blockHash), signature: hex(v.signature) });
    return { kind: evidence.kind, validator: evidence.first.validator, first: vote(evidence.first), second: vote(evidence.second) };
  }
  const proposal = (p: typeof evidence.first) => ({ height: p.height, round: p.round, polRound: p.polRound, blockHash: hex(p.blockHash), signature: hex(p.signature) });
  return { kind: evidence.kind, validator: evidence.first.proposer, first: proposal(evidence.first), second: proposal(evidence.second) };
}
