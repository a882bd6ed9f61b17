import { decodeEvidence, toHex, txHash, type Evidence } from '@consortium/consensus';
import Type from 'typebox';
import { AUTH_REFUSALS, ErrorBody, OpenObject } from '../schemas.js';
import type { ApiRoutes } from './index.js';

const MAX_EVIDENCE_LISTED = 100;

const Block = Type.Object({
  height: Type.Integer(),
  hash: Type.String(),
  timeMs: Type.Integer(),
  proposer: Type.String(),
  previousBlockHash: Type.String(),
  appHash: Type.String(),
  txs: Type.Array(Type.String(), { description: 'transaction hashes in hex' }),
  certificate: Type.Object({ round: Type.Integer(), signers: Type.Array(Type.String()) }),
});

/** Committed blocks and equivocation evidence: public chain data. */
export const blockRoutes: ApiRoutes = (server, { store }) => {
  server.get<{ Params: { height: number } }>(
    '/v1/blocks/:height',
    {
      config: { access: 'observer' },
      schema: { tags: ['chain'], summary: 'A committed block', params: Type.Object({ height: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }), response: { 200: Block, 404: ErrorBody, ...AUTH_REFUSALS } },
    },
    async (request, reply) => {
      const { height } = request.params;
      const committed = await store.getCommittedBlock(height);
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
    },
  );

  server.get(
    '/v1/evidence',
    { config: { access: 'observer' }, schema: { tags: ['chain'], summary: `Equivocation evidence (the newest ${MAX_EVIDENCE_LISTED})`, response: { 200: Type.Array(OpenObject('evidence with both signed messages in hex')), ...AUTH_REFUSALS } } },
    async () => {
      const stored = await store.listEvidence(MAX_EVIDENCE_LISTED);
      return stored.map(({ height, record }) => ({ height, ...evidenceToJson(decodeEvidence(record)) }));
    },
  );
};

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
