import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeConfig } from '@consortium/node-config';
import { encodeKeyValueTx, toHex, txHash } from '@consortium/consensus';
import { findUncataloguedMetrics } from '@consortium/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type RunningNode } from '../../src/index.js';
import { apiTokenFor, SILENT_LOG, writeSingleMemberNode } from '../support/single-member.js';

/**
 * One node in this process (a consortium of one decides alone): the HTTP API end to end, on a
 * real LevelDB and a real libp2p host. Multi-node behaviour is tested with real processes in
 * tools/test/e2e.
 */
let dir: string;
let node: RunningNode;
let config: NodeConfig;
const tokens = { operator: '', observer: '', admin: '' };
/** A small budget on one route, so the 429 case is reached in a few requests. */
const EVIDENCE_BUDGET = 3;

async function post(path: string, body: unknown, token: string | null = tokens.operator) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) };
  const response = await fetch(`${node.httpUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function get(path: string, token: string | null = tokens.observer) {
  const response = await fetch(`${node.httpUrl}${path}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: response.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as Record<string, unknown>) : null };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'node-api-'));
  const written = await writeSingleMemberNode(dir);
  config = { ...written, http: { ...written.http, rateLimits: { ...written.http.rateLimits, perRoute: { 'GET /v1/evidence': { observer: EVIDENCE_BUDGET } } } } };
  for (const role of ['operator', 'observer', 'admin'] as const) tokens[role] = await apiTokenFor(join(dir, 'node.json'), role);
  node = await startNode(config, { logDestination: SILENT_LOG });
});

afterAll(async () => {
  await node?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the node HTTP API', () => {
  it('is live and ready (a quorum of one)', async () => {
    expect((await get('/health')).body).toMatchObject({ status: 'ok' });
    const ready = await get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', failing: [] });
  });

  it('accepts a transaction, commits it, and serves its block', async () => {
    const tx = encodeKeyValueTx({ key: 'roaming', value: 'on', nonce: 1 });
    const submitted = await post('/v1/txs', { tx: Buffer.from(tx).toString('base64') });
    expect(submitted).toEqual({ status: 202, body: { hash: toHex(txHash(tx)) } });
    // Committed within a block time or two when quiet; the deadline is for a busy machine.
    await expect.poll(async () => (await get(`/v1/txs/${toHex(txHash(tx))}`)).status, { timeout: 60_000, interval: 100, message: 'the transaction is committed' }).toBe(200);
    const location = await get(`/v1/txs/${toHex(txHash(tx))}`);
    const height = location.body!.height as number;
    const block = await get(`/v1/blocks/${height}`);
    expect(block.body).toMatchObject({ height, proposer: 'Orange-FR', txs: [toHex(txHash(tx))], certificate: { signers: ['Orange-FR'] } });
  });

  it('refuses bad input with a specific status and reason, and replays of a committed tx', async () => {
    const tx = encodeKeyValueTx({ key: 'replay', value: 'x', nonce: 2 });
    const encoded = Buffer.from(tx).toString('base64');
    expect((await post('/v1/txs', { tx: 'not base64!' })).status).toBe(400);
    expect((await post('/v1/txs', { transaction: encoded })).status).toBe(400);
    expect((await post('/v1/txs', { tx: Buffer.from('garbage').toString('base64') })).body).toMatchObject({ error: 'invalid' });
    expect((await post('/v1/txs', { tx: encoded })).status).toBe(202);
    const again = await post('/v1/txs', { tx: encoded });
    expect(again.status).toBe(409); // duplicate while pending, committed once decided: both 409
    expect((await get('/v1/blocks/0')).status).toBe(400);
    expect((await get('/v1/blocks/999999')).status).toBe(404);
    expect((await get('/v1/txs/xyz')).status).toBe(400);
  });

  it('batches transactions and reports each rejection by reason', async () => {
    const fresh = [1, 2, 3].map((nonce) => Buffer.from(encodeKeyValueTx({ key: 'batch', value: 'v', nonce: 100 + nonce })).toString('base64'));
    const result = await post('/v1/txs/batch', { txs: [...fresh, fresh[0], '!!!'] });
    expect(result.body).toEqual({ accepted: 3, rejected: { duplicate: 1, invalid: 1 } });
  });

  it('serves /metrics with only catalogued metrics, including the API and consensus areas', async () => {
    const page = await get('/metrics');
    expect(findUncataloguedMetrics(page.text)).toEqual([]);
    expect(page.text).toMatch(/consortium_api_requests_total\{route="\/v1\/txs",method="POST",status_class="2xx"\} [1-9]/);
    expect(page.text).toMatch(/consortium_consensus_height [1-9]/);
    expect(page.text).toMatch(/consortium_storage_db_size_bytes [1-9]/);
  });

  it('lists equivocation evidence (none in an honest consortium of one)', async () => {
    expect(await get('/v1/evidence', tokens.admin)).toMatchObject({ status: 200, body: [] });
  });

  it('refuses a request without a token (401), beyond the role (403) or malformed (400), and a refused tx leaves nothing behind', async () => {
    const tx = encodeKeyValueTx({ key: 'refused', value: 'never', nonce: 77 });
    const encoded = Buffer.from(tx).toString('base64');
    const missing = await post('/v1/txs', { tx: encoded }, null);
    expect(missing).toEqual({ status: 401, body: { error: 'unauthorized', message: 'this route needs a bearer token (Authorization: Bearer <token>)' } });
    expect((await post('/v1/txs', { tx: encoded }, `${tokens.operator}x`)).status).toBe(401);
    expect(await post('/v1/txs', { tx: encoded }, tokens.observer)).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    expect(await post('/v1/txs', { tx: encoded, fee: 1 })).toEqual({ status: 400, body: { error: 'invalid_request', field: 'body.fee', message: 'body.fee is not a known field' } });
    expect((await get('/v1/status', null)).status).toBe(401);
    // Nothing of it reached the mempool: the same transaction, submitted properly, is new.
    expect(await post('/v1/txs', { tx: encoded })).toEqual({ status: 202, body: { hash: toHex(txHash(tx)) } });
  });

  it('rate-limits a client per route with 429 and Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= EVIDENCE_BUDGET; i += 1) statuses.push((await get('/v1/evidence')).status);
    expect(statuses).toEqual([...Array.from({ length: EVIDENCE_BUDGET }, () => 200), 429]);
    const limited = await get('/v1/evidence');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // The same client's other routes keep their budget.
    expect((await get('/v1/status')).status).toBe(200);
  });

  it('writes every refusal to the security log (who, what, when, where) and counts it', async () => {
    await expect
      .poll(async () => (await readFile(config.securityLogFile, 'utf8')).split('\n').filter((line) => line !== '').map((line) => (JSON.parse(line) as { kind: string }).kind), { timeout: 30_000 })
      .toEqual(expect.arrayContaining(['auth_failed', 'forbidden', 'invalid_request', 'rate_limited']));
    const lines = (await readFile(config.securityLogFile, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    // What the application refused (garbage bytes) is bad input too, once per request.
    expect(lines.filter((line) => typeof line.what === 'string' && line.what.startsWith('transaction refused (invalid)'))).toHaveLength(1);
    expect(lines.find((line) => line.what === '1 of 5 transactions refused as invalid or oversized')).toMatchObject({ kind: 'invalid_request', where: { route: '/v1/txs/batch' } });
    expect(lines.find((line) => line.kind === 'forbidden')).toMatchObject({ node: 'Orange-FR', who: { client: 'Orange-FR-observer', role: 'observer', ip: '127.0.0.1' }, where: { method: 'POST', route: '/v1/txs' } });
    const page = await get('/metrics', null);
    expect(page.text).toMatch(/consortium_security_events_total\{kind="rate_limited"\} [1-9]/);
  });

  it('serves its OpenAPI description', async () => {
    const described = await get('/openapi.json', null);
    expect(described.status).toBe(200);
    expect(Object.keys((described.body as { paths: object }).paths)).toEqual(expect.arrayContaining(['/v1/txs', '/v1/txs/batch', '/v1/blocks/{height}', '/v1/events', '/metrics']));
  });

  it('reports its status', async () => {
    const status = await get('/v1/status');
    expect(status.body).toMatchObject({ member: 'Orange-FR', chainId: 'api-test', validators: 1, connectedMembers: [] });
  });
});
