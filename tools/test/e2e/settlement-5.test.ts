import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createSoftHsmToken, Ed25519Signer, generatePkcs11AesKey, Pkcs11AesKey, toHex, txHash, validatorKeyFromJson } from '@consortium/consensus';
import { decodeSettlementCbor, encodeSettlementTx, keyEpochBody, observeRecordBatch, signSettlementTx, type DirectionBaselines, type SettlementTxBody, type UsageRecord } from '@consortium/settlement';
import { OtlpReceiver, type ReceivedSpan } from '@consortium/telemetry';
import { periodToField, sealProvingKeyFile, type Groth16Proof, type KeysManifest, type SettlementPublicInputs } from '@consortium/zkp';
import { ClassicLevel } from 'classic-level';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { Consortium } from '../../src/devnet/consortium.js';
import type { NodeProcess } from '../../src/devnet/processes.js';
import { writeNextEpochTestKeysFolder, writeTestKeysFolder } from '../../src/devnet/test-keys.js';
import { waitFor } from '../../src/devnet/wait.js';

/**
 * Five node processes settle a whole period with real proofs (settlement-4: batches of four
 * records; the proving key sealed by an HSM key, opened only in each prover's memory): agreements co-signed over the private channel, usage committed batch after batch,
 * records to the debtor only, statements proved on each creditor's prover pool and verified by
 * every node, an acceptance, a dispute resolved by both parties, and the period closed and
 * netted identically on every node. Then the API's refusals change nothing, and a third member
 * never holds another pair's records or rates.
 */
const TEST_TIMEOUT_MS = 600_000;
const PERIOD = '2026-09';
const PERIOD_START_S = BigInt(Date.UTC(2026, 8, 1) / 1000);

type Json = Record<string, unknown>;
interface Reply {
  readonly status: number;
  readonly body: Json;
  readonly headers: Headers;
}

async function call(node: NodeProcess, role: 'operator' | 'observer' | 'admin' | null, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = role === null ? {} : await node.authorization(role);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${node.httpUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Json), headers: response.headers };
}

async function ok(node: NodeProcess, role: 'operator' | 'observer', method: 'GET' | 'POST', path: string, body?: unknown): Promise<Json> {
  const reply = await call(node, role, method, path, body);
  if (reply.status >= 300) throw new Error(`${method} ${path} on ${node.memberId}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

const RATES = {
  low: { voice_mo: '19', voice_mt: '10', sms: '4', data: '1800' },
  high: { voice_mo: '25', voice_mt: '12', sms: '5', data: '2500' },
} as const;
type Rates = (typeof RATES)[keyof typeof RATES];

/** n realistic records (deterministic), all within PERIOD. */
function usage(n: number, seed: number) {
  const services = ['voice_mo', 'voice_mt', 'sms', 'data'] as const;
  return Array.from({ length: n }, (_, i) => ({
    subscriberRef: ((seed * 7919 + i * 104729) % 2 ** 48).toString(16).padStart(32, '0'),
    service: services[(seed + i) % 4]!,
    startTime: String(PERIOD_START_S + BigInt(3_600 * (seed * 10 + i + 1))),
    volume: String(1 + ((seed * 31 + i * 17) % 300)),
  }));
}

/** The total of records at a rate table, computed here independently: sum of volume x rate, in bigint. */
function totalOf(records: ReturnType<typeof usage>, rates: Rates): bigint {
  return records.reduce((sum, r) => sum + BigInt(r.volume) * BigInt(rates[r.service]), 0n);
}

describe('five node processes settle a period with proofs', () => {
  let root: string;
  let consortium: Consortium;
  let n: Record<string, NodeProcess>;
  let ids: string[];
  /** Receives the nodes' spans (OTLP/HTTP, JSON) for the trace test. */
  let receiver: OtlpReceiver;
  let epoch2: KeysManifest;
  let sealUri: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'settlement-5-'));
    const keysDir = join(root, 'keys');
    const manifest = await writeTestKeysFolder(keysDir);
    // The proving key lies on disk only sealed by an AES key in an HSM (a SoftHSM token): each
    // node opens it in its prover's memory at start (node.json provingKeySealPkcs11Uri).
    const token = await createSoftHsmToken(join(root, 'hsm'), 'consortium');
    process.env.SOFTHSM2_CONF = token.env.SOFTHSM2_CONF;
    sealUri = token.uriOf('seal-keys');
    generatePkcs11AesKey(sealUri);
    const sealer = Pkcs11AesKey.open(sealUri);
    try {
      for (const files of Object.values(manifest.circuits)) await sealProvingKeyFile(keysDir, files.zkey, sealer);
    } finally {
      sealer.close();
    }
    expect((await readdir(keysDir)).filter((name) => name.includes('.zkey'))).toEqual(['settlement-4.zkey.sealed']);
    // A later ceremony's keys, for the key rotation: every node.json names them as epoch 2's.
    epoch2 = await writeNextEpochTestKeysFolder(join(root, 'keys-2'), 2);
    receiver = await OtlpReceiver.start();
    // The node processes inherit the environment: their spans go to the receiver, in JSON, half a second apart.
    const otlpEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '500' };
    const saved = Object.fromEntries(Object.keys(otlpEnv).map((key) => [key, process.env[key]]));
    Object.assign(process.env, otlpEnv);
    try {
      consortium = await Consortium.start(5, {
        keysDir,
        beforeStart: async (dir, memberIds) => {
          for (const id of memberIds) {
            const file = join(dir, id, 'node.json');
            const config = JSON.parse(await readFile(file, 'utf8')) as Json;
            await writeFile(file, JSON.stringify({ ...config, epochKeysDirs: { '2': join(root, 'keys-2') }, provingKeySealPkcs11Uri: sealUri }, null, 2));
          }
        },
      });
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
    ids = consortium.nodes.map((node) => node.memberId);
    n = Object.fromEntries(consortium.nodes.map((node) => [node.memberId, node]));
    await consortium.waitAllReady();
    await consortium.waitAllConnected();
  }, 600_000);
  beforeEach(() => {
    onTestFailed(() => consortium?.markFailed());
  });
  afterAll(async () => {
    await consortium?.stopAll();
    await receiver?.stop();
    await rm(root, { recursive: true, force: true });
  });

  /** Waits until every node answers `path` (observer) with a body that satisfies `done`. */
  async function onEveryNode(what: string, path: string, done: (body: Json) => boolean): Promise<Json[]> {
    const bodies: Json[] = [];
    await waitFor(what, async () => {
      const replies = await Promise.all(consortium.nodes.map(async (node) => call(node, 'observer', 'GET', path)));
      replies.forEach((r, i) => (bodies[i] = r.body));
      return { done: replies.every((r) => r.status === 200 && done(r.body)), seen: replies.map((r, i) => `${ids[i]} ${r.status}`).join(', ') };
    }, 300_000);
    return bodies;
  }

  async function register(proposer: string, counterparty: string, rates: Record<string, Rates>): Promise<string> {
    const { agreementId } = (await ok(n[proposer]!, 'operator', 'POST', `/v1/members/${proposer}/agreements`, { counterparty, fromPeriod: '2026-01', toPeriod: '2026-12', rates })) as { agreementId: string };
    // The proposal reached the counterparty's node before the proposer's call returned.
    const { proposals } = (await ok(n[counterparty]!, 'operator', 'GET', `/v1/members/${counterparty}/agreements/proposals`)) as { proposals: { agreementId: string; direction: string; rates: Json }[] };
    const received = proposals.find((p) => p.agreementId === agreementId);
    expect(received?.direction).toBe('received');
    expect(received?.rates).toEqual(rates);
    await ok(n[counterparty]!, 'operator', 'POST', `/v1/members/${counterparty}/agreements/${agreementId}/accept`, {});
    return agreementId;
  }

  /** Bills, waits for the batches on every node and for the debtor's records, proposes each statement, waits until proposed. */
  async function bill(creditor: string, debtor: string, records: ReturnType<typeof usage>): Promise<{ batchId: string; statementId: string }[]> {
    const { batches } = (await ok(n[creditor]!, 'operator', 'POST', `/v1/members/${creditor}/usage`, { debtor, period: PERIOD, records })) as { batches: { batchId: string; count: number }[] };
    expect(batches.map((b) => b.count)).toEqual(chunks(records.length, 4));
    const out: { batchId: string; statementId: string }[] = [];
    for (const { batchId } of batches) {
      const path = `/v1/members/${debtor}/batches/${encodeURIComponent(batchId)}/records`;
      await waitFor(`${debtor} holds the records of ${batchId}`, async () => {
        const reply = await call(n[debtor]!, 'operator', 'GET', path);
        return { done: reply.status === 200, seen: String(reply.status) };
      }, 300_000);
      const { statementId } = (await ok(n[creditor]!, 'operator', 'POST', `/v1/members/${creditor}/statements`, { batchId })) as { statementId: string };
      out.push({ batchId, statementId });
    }
    return out;
  }

  it('registers agreements, commits usage, proves statements, resolves a dispute and nets the period on every node', async () => {
    const [a, b, c] = [ids[0]!, ids[1]!, ids[2]!];
    const pairAB = [a, b].sort();
    await register(a, b, { [pairAB[0]!]: RATES.low, [pairAB[1]!]: RATES.high });
    await register(c, a, { [a]: RATES.low, [c]: RATES.high });
    await onEveryNode('both agreements on every node', '/v1/agreements', (body) => (body.agreements as unknown[]).length === 2);

    const rateOf = (creditor: string, debtor: string): Rates => (debtor === c || creditor === c ? (creditor === a ? RATES.low : RATES.high) : creditor === pairAB[0] ? RATES.low : RATES.high);
    const flows = [
      { creditor: a, debtor: b, records: usage(6, 1) },
      { creditor: b, debtor: a, records: usage(3, 2) },
      { creditor: c, debtor: a, records: usage(5, 3) },
    ];
    const statements = [];
    for (const flow of flows) statements.push(...(await bill(flow.creditor, flow.debtor, flow.records)).map((s) => ({ ...s, ...flow })));
    expect(statements.length).toBe(2 + 1 + 2);
    await onEveryNode('every statement proposed, its proof verified by every node', `/v1/statements?period=${PERIOD}`, (body) => (body.statements as unknown[]).length === statements.length);

    // The debtors accept, but a's second statement from c is disputed and settled at an agreed total.
    const disputed = statements.findLast((s) => s.creditor === c)!;
    for (const s of statements) {
      if (s === disputed) continue;
      await ok(n[s.debtor]!, 'operator', 'POST', `/v1/members/${s.debtor}/statements/${s.statementId}/accept`, {});
    }
    await ok(n[a]!, 'operator', 'POST', `/v1/members/${a}/statements/${disputed.statementId}/dispute`, { reasonCode: 'volume_mismatch', reason: 'two data sessions overlap' });
    await onEveryNode('the dispute on every node', `/v1/statements/${disputed.statementId}`, (body) => body.state === 'disputed');
    const agreedTotal = 1_234n;
    const first = await ok(n[c]!, 'operator', 'POST', `/v1/members/${c}/statements/${disputed.statementId}/resolution`, { agreedTotal: agreedTotal.toString() });
    expect(first).toEqual({ state: 'awaiting_counterparty' });
    const second = await ok(n[a]!, 'operator', 'POST', `/v1/members/${a}/statements/${disputed.statementId}/resolution`, { agreedTotal: agreedTotal.toString() });
    expect(second.txHash).toMatch(/^[0-9a-f]{64}$/);
    await onEveryNode('every statement settled on every node', `/v1/statements?period=${PERIOD}`, (body) => (body.statements as { state: string }[]).every((s) => s.state === 'accepted' || s.state === 'resolved'));

    // A member with no batch in the period closes it; every node nets it the same way.
    const closer = ids[3]!;
    await ok(n[closer]!, 'operator', 'POST', `/v1/members/${closer}/periods/${PERIOD}/close`, {});
    const nettings = await onEveryNode('the netting of the period on every node', `/v1/periods/${PERIOD}/netting`, () => true);
    for (const netting of nettings.slice(1)) expect(netting).toEqual(nettings[0]);

    // Independently: each statement's total from its records and rates (the resolution's agreed
    // total for the disputed one), every member's balance, and the fewest payments by brute force.
    const balances = new Map(ids.map((id) => [id, 0n]));
    for (const s of statements) {
      const amount = s === disputed ? agreedTotal : batchTotal(s, rateOf(s.creditor, s.debtor));
      balances.set(s.creditor, balances.get(s.creditor)! + amount);
      balances.set(s.debtor, balances.get(s.debtor)! - amount);
    }
    const got = nettings[0] as { balances: { member: string; balance: string }[]; payments: { from: string; to: string; amount: string }[] };
    expect(Object.fromEntries(got.balances.map((b) => [b.member, BigInt(b.balance)]))).toEqual(Object.fromEntries(balances));
    const settled = new Map(ids.map((id) => [id, 0n]));
    for (const p of got.payments) {
      expect(BigInt(p.amount)).toBeGreaterThan(0n);
      settled.set(p.from, settled.get(p.from)! - BigInt(p.amount));
      settled.set(p.to, settled.get(p.to)! + BigInt(p.amount));
    }
    expect(settled).toEqual(balances);
    expect(got.payments.length).toBe(fewestPayments([...balances.values()].filter((v) => v !== 0n)));
  }, TEST_TIMEOUT_MS);

  /**
   * The creditors' statements and the debtors' acceptances of the test above, as each node
   * traced them: one trace per API request, from the request through the transaction's
   * admission, proposal and commit to its execution in the settlement application (and for a
   * statement, its proving and its proof's verification before the mempool kept it).
   */
  it('traces a statement and an acceptance from the API request to the settlement application, every parent in the trace', async () => {
    const byTrace = (spans: readonly ReceivedSpan[]) => Map.groupBy(spans, (span) => span.traceId);
    const requests = (spans: readonly ReceivedSpan[], route: string) => spans.filter((span) => span.name === 'api.request' && span.parentSpanId === null && span.attributes['http.route'] === route && span.attributes['http.request.method'] === 'POST');
    const executed = (trace: readonly ReceivedSpan[], type: string) => trace.some((span) => span.name === 'settlement.finalize_block.tx' && span.attributes['settlement.tx_type'] === type && span.attributes['settlement.code'] === 'ok');
    const proposeRoute = '/v1/members/:member/statements';
    const acceptRoute = '/v1/members/:member/statements/:statementId/accept';
    const parentOf = (trace: readonly ReceivedSpan[], span: ReceivedSpan) => trace.find((candidate) => candidate.spanId === span.parentSpanId);
    const orphans = (trace: readonly ReceivedSpan[]) => trace.filter((span) => span.parentSpanId !== null && parentOf(trace, span) === undefined);
    // Spans leave a node in batches: wait until each journey arrived whole (executed, every parent in).
    let traces = new Map<string, ReceivedSpan[]>();
    await waitFor('the statements and acceptances traced to their execution', () => {
      const spans = receiver.jsonSpans();
      traces = byTrace(spans);
      const ids = new Set(spans.map((span) => span.spanId));
      const whole = (trace: readonly ReceivedSpan[]) => orphans(trace).length === 0 && trace.every((span) => span.links.every((link) => ids.has(link.spanId)));
      const done = (route: string, type: string) => requests(spans, route).filter((request) => executed(traces.get(request.traceId)!, type) && whole(traces.get(request.traceId)!)).length;
      const [proposed, accepted] = [done(proposeRoute, 'propose_statement'), done(acceptRoute, 'accept_statement')];
      return { done: proposed >= 5 && accepted >= 4, seen: `${proposed} of 5 statements, ${accepted} of 4 acceptances, ${spans.length} spans` };
    }, 120_000);

    const spans = [...traces.values()].flat();
    const chainOf = (trace: readonly ReceivedSpan[], name: string) => {
      const span = trace.find((candidate) => candidate.name === name);
      const names: string[] = [];
      for (let at = span; at !== undefined; at = parentOf(trace, at)) names.push(at.name);
      return names.reverse();
    };
    for (const [route, type] of [[proposeRoute, 'propose_statement'], [acceptRoute, 'accept_statement']] as const) {
      for (const request of requests(spans, route)) {
        const trace = traces.get(request.traceId)!;
        // One node's trace: the member whose API was called.
        expect(new Set(trace.map((span) => span.resource['consortium.member.id']))).toEqual(new Set([request.resource['consortium.member.id']]));
        // Every span but the request has its parent in the trace.
        expect(trace.filter((span) => span !== request && parentOf(trace, span) === undefined).map((span) => span.name)).toEqual([]);
        expect(chainOf(trace, 'settlement.finalize_block.tx')).toEqual(['api.request', 'consensus.tx', 'consensus.tx.commit', 'settlement.finalize_block.tx']);
        expect(chainOf(trace, 'consensus.check_tx')).toEqual(['api.request', 'consensus.check_tx']);
        expect(executed(trace, type)).toBe(true);
        // The execution links the block-wide span it belongs to, in the block's own trace.
        const [link] = trace.find((span) => span.name === 'settlement.finalize_block.tx')!.links;
        const block = link === undefined ? undefined : spans.find((span) => span.spanId === link.spanId);
        expect(block?.name).toBe('settlement.finalize_block');
        expect(block?.traceId).not.toBe(request.traceId);
        if (type === 'propose_statement') {
          expect(chainOf(trace, 'zkp.prove')).toEqual(['api.request', 'zkp.prove']);
          expect(chainOf(trace, 'zkp.verify')).toEqual(['api.request', 'consensus.check_tx', 'settlement.verify_proofs', 'zkp.verify']);
        }
      }
    }
    // A transaction decided by consensus at the node (not brought by block sync) shows its proposal too.
    const proposals = spans.filter((span) => span.name === 'consensus.tx.proposal');
    expect(proposals.length).toBeGreaterThan(0);
    expect(proposals.every((span) => spans.find((parent) => parent.spanId === span.parentSpanId)?.name === 'consensus.tx')).toBe(true);
  }, TEST_TIMEOUT_MS);

  /** What a node's chain holds of settlement, as its observer reads it. */
  async function chainView(node: NodeProcess): Promise<Json> {
    const [agreements, batches, statements, periods] = await Promise.all(['/v1/agreements', '/v1/batches', '/v1/statements', '/v1/periods'].map(async (path) => ok(node, 'observer', 'GET', path)));
    return { agreements, batches, statements, periods };
  }

  it('refuses missing and wrong credentials (401), another member\'s action (403), malformed input (400) and a rule (409), and nothing changes', async () => {
    const [a, b] = [ids[0]!, ids[1]!];
    const node = n[a]!;
    const before = await chainView(node);
    const authFailures = await node.metric('consortium_security_auth_attempts_total', { outcome: 'missing_credentials' });
    const records = usage(2, 9).map((r) => ({ ...r, startTime: String(PERIOD_START_S + 60n) }));
    const bill = (member: string) => `/v1/members/${member}/usage`;

    const missing = await call(node, null, 'POST', bill(a), { debtor: b, period: '2026-10', records });
    expect(missing.status).toBe(401);
    const wrong = await fetch(`${node.httpUrl}${bill(a)}`, { method: 'POST', headers: { authorization: `Bearer ${'x'.repeat(43)}`, 'content-type': 'application/json' }, body: JSON.stringify({ debtor: b, period: '2026-10', records }) });
    expect(wrong.status).toBe(401);
    // a's operator acting for b; a's observer acting at all.
    const forbidden = await call(node, 'operator', 'POST', bill(b), { debtor: a, period: '2026-10', records });
    expect(forbidden.status).toBe(403);
    expect((await call(node, 'observer', 'POST', bill(a), { debtor: b, period: '2026-10', records })).status).toBe(403);

    const badService = await call(node, 'operator', 'POST', bill(a), { debtor: b, period: '2026-10', records: [{ ...records[0]!, service: 'mms' }] });
    expect(badService.status).toBe(400);
    expect(badService.body.field).toBe('body.records.0.service');
    const outside = await call(node, 'operator', 'POST', bill(a), { debtor: b, period: '2026-10', records: [{ ...records[0]!, startTime: String(PERIOD_START_S) }] });
    expect(outside).toMatchObject({ status: 400, body: { field: 'body.records[0].startTime' } });
    const stranger = await call(node, 'operator', 'POST', bill(a), { debtor: 'Nobody-XX', period: '2026-10', records });
    expect(stranger).toMatchObject({ status: 400, body: { field: 'body.debtor' } });
    // The current period is not over: the close rule refuses it before anything reaches the mempool.
    const notOver = await call(node, 'operator', 'POST', `/v1/members/${a}/periods/2099-01/close`, {});
    expect(notOver).toMatchObject({ status: 409, body: { error: 'PeriodNotOverError' } });

    expect(await node.metric('consortium_security_auth_attempts_total', { outcome: 'missing_credentials' })).toBeGreaterThan(authFailures);
    // Nothing changed: blocks may pass (empty ones), the settlement state does not.
    expect(await chainView(node)).toEqual(before);
  }, TEST_TIMEOUT_MS);

  it('refuses a statement whose proof does not verify (400 ProofRejectedError), logs it as a security event, and nothing changes', async () => {
    const [a, b] = [ids[0]!, ids[1]!];
    const node = n[a]!;
    // A real proof of the settled period, its public inputs moved to an open period with one more
    // unit of total: a well-formed proof that does not verify for what it now claims. Signed with
    // the creditor's own validator key, so only the proof can be wrong.
    const { statements } = (await ok(node, 'operator', 'GET', `/v1/statements?period=${PERIOD}&creditor=${a}&debtor=${b}`)) as { statements: { epoch: number; circuit: string; proof: Groth16Proof; publicInputs: Record<keyof SettlementPublicInputs, string> }[] };
    const real = statements.find((statement) => statement.proof !== null)!;
    const inputs = Object.fromEntries(Object.entries(real.publicInputs).map(([name, value]) => [name, BigInt(value)])) as unknown as SettlementPublicInputs;
    const forged: SettlementTxBody = { type: 'propose_statement', publicInputs: { ...inputs, period: periodToField('2026-10'), total: inputs.total + 1n }, epoch: real.epoch, circuit: real.circuit, proof: real.proof };
    const config = JSON.parse(await readFile(node.configFile, 'utf8')) as { genesisFile: string; validatorKeyFile: string };
    const fromConfig = (file: string) => resolve(dirname(node.configFile), file);
    const { chainId } = JSON.parse(await readFile(fromConfig(config.genesisFile), 'utf8')) as { chainId: string };
    const { keyPair } = validatorKeyFromJson(JSON.parse(await readFile(fromConfig(config.validatorKeyFile), 'utf8')));
    const tx = encodeSettlementTx(signSettlementTx(chainId, forged, [{ member: a, signer: new Ed25519Signer(keyPair) }]));

    const before = await chainView(node);
    const refusedBefore = await node.metric('consortium_security_invalid_messages_total', { kind: 'invalid_proof' });
    const reply = await call(node, 'operator', 'POST', '/v1/txs', { tx: Buffer.from(tx).toString('base64') });
    expect(reply.status).toBe(400);
    expect(String(reply.body.message)).toMatch(/^ProofRejectedError: the statement's proof is invalid/);
    expect(await node.metric('consortium_security_invalid_messages_total', { kind: 'invalid_proof' })).toBe(refusedBefore + 1);
    // The refusal is in the node's append-only security log.
    await waitFor(`${a}'s security log holds the invalid proof`, async () => {
      const lines = (await readFile(join(consortium.dir, a, 'data', 'security.jsonl'), 'utf8').catch(() => '')).split('\n').filter((line) => line.includes('invalid_proof'));
      return { done: lines.length > 0, seen: `${lines.length} lines` };
    });
    expect(await chainView(node)).toEqual(before);
    // Not in any mempool, not on chain: no node knows the transaction.
    for (const other of consortium.nodes) expect((await call(other, 'observer', 'GET', `/v1/txs/${toHex(txHash(tx))}`)).status).toBe(404);
  }, TEST_TIMEOUT_MS);

  it('answers 429 with Retry-After once a client spent its budget, and counts it', async () => {
    const node = n[ids[4]!]!;
    const limited = await node.metric('consortium_security_rate_limited_requests_total');
    let reply: Reply | null = null;
    for (let i = 0; i < 5_000; i++) {
      reply = await call(node, 'observer', 'GET', '/v1/periods');
      if (reply.status !== 200) break;
    }
    expect(reply?.status).toBe(429);
    expect(Number(reply?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await node.metric('consortium_security_rate_limited_requests_total')).toBeGreaterThan(limited);
  }, TEST_TIMEOUT_MS);

  it('picks its queued batches up again after a kill -9 and commits every one of them', async () => {
    const [a, b] = [ids[0]!, ids[1]!];
    const creditor = n[a]!;
    const records = usage(40, 11).map((r, i) => ({ ...r, startTime: String(BigInt(Date.UTC(2026, 9, 1) / 1000) + BigInt(60 * (i + 1))) }));
    const { batches } = (await ok(creditor, 'operator', 'POST', `/v1/members/${a}/usage`, { debtor: b, period: '2026-10', records })) as { batches: { batchId: string }[] };
    expect(batches).toHaveLength(10);
    // Batches go to the chain one per block: most are still queued when the node dies.
    await creditor.kill('SIGKILL');
    await creditor.start();
    await onEveryNode('all ten batches committed on every node', `/v1/batches?period=2026-10&creditor=${a}`, (body) => (body.batches as unknown[]).length === 10);
    await waitFor(`${b} holds the records of every batch`, async () => {
      const replies = await Promise.all(batches.map(async ({ batchId }) => call(n[b]!, 'operator', 'GET', `/v1/members/${b}/batches/${encodeURIComponent(batchId)}/records`)));
      return { done: replies.every((r) => r.status === 200), seen: replies.map((r) => r.status).join(' ') };
    }, 300_000);
  }, TEST_TIMEOUT_MS);

  it("raises the same usage anomalies on both parties' nodes, across the creditor's kill -9: what the detector gives over the pair's records in commit order", async () => {
    const [a, b] = [ids[0]!, ids[1]!];
    // One more batch, far off the pair's usage: ten times the data, and no voice_mt at all.
    const dayTwo = BigInt(Date.UTC(2026, 9, 2) / 1000);
    const offUsage = [
      { service: 'voice_mo', volume: '120' },
      { service: 'voice_mo', volume: '90' },
      { service: 'sms', volume: '1' },
      { service: 'data', volume: '5000' },
    ].map((r, i) => ({ ...r, subscriberRef: (i + 1).toString(16).padStart(32, '0'), startTime: String(dayTwo + BigInt(60 * i)) }));
    const { batches: [off] } = (await ok(n[a]!, 'operator', 'POST', `/v1/members/${a}/usage`, { debtor: b, period: '2026-10', records: offUsage })) as { batches: { batchId: string }[] };
    await waitFor(`${b} holds the records of ${off!.batchId}`, async () => {
      const reply = await call(n[b]!, 'operator', 'GET', `/v1/members/${b}/batches/${encodeURIComponent(off!.batchId)}/records`);
      return { done: reply.status === 200, seen: String(reply.status) };
    }, 300_000);
    // The direction's batches in commit order (height, then period, then firstId), and their records as the creditor holds them.
    const { batches } = (await ok(n[a]!, 'operator', 'GET', `/v1/batches?creditor=${a}&debtor=${b}&limit=1000`)) as { batches: { id: string; period: string; firstId: string; height: number }[] };
    const ordered = [...batches].sort((x, y) => x.height - y.height || (x.period < y.period ? -1 : x.period > y.period ? 1 : 0) || (BigInt(x.firstId) < BigInt(y.firstId) ? -1 : 1));
    expect(ordered.length).toBeGreaterThanOrEqual(13);
    let baselines: DirectionBaselines = {};
    const expected: Json[] = [];
    for (const batch of ordered) {
      const { records } = (await ok(n[a]!, 'operator', 'GET', `/v1/members/${a}/batches/${encodeURIComponent(batch.id)}/records`)) as { records: Record<string, string>[] };
      const usageRecords = records.map((r): UsageRecord => ({ recordId: BigInt(r.recordId!), subscriberRef: r.subscriberRef!, service: r.service as UsageRecord['service'], startTime: BigInt(r.startTime!), volume: BigInt(r.volume!), visitedTadig: r.visitedTadig!, homeTadig: r.homeTadig! }));
      const observation = observeRecordBatch(baselines, { records: usageRecords });
      baselines = observation.baselines;
      for (const anomaly of observation.anomalies) expected.push({ batchId: batch.id, kind: anomaly.kind, service: anomaly.service, volume: anomaly.volume.toString(), baseline: anomaly.baseline.toString(), height: batch.height });
    }
    const direction = async (node: NodeProcess, member: string) =>
      (((await ok(node, 'operator', 'GET', `/v1/anomalies?member=${member}&limit=1000`)) as { anomalies: Json[] }).anomalies).filter((x) => x.creditor === a && x.debtor === b);
    const project = (list: Json[]) => list.map(({ batchId, kind, service, volume, baseline, height }) => ({ batchId, kind, service, volume, baseline, height }));
    // The debtor observes a batch once its records and every earlier batch's are there.
    await waitFor(`${a} and ${b} raised the ${expected.length} anomalies of ${a} -> ${b}`, async () => {
      const [onCreditor, onDebtor] = await Promise.all([direction(n[a]!, b), direction(n[b]!, a)]);
      return { done: onCreditor.length === expected.length && onDebtor.length === expected.length, seen: `${onCreditor.length} on ${a}, ${onDebtor.length} on ${b}` };
    }, 120_000);
    const [onCreditor, onDebtor] = await Promise.all([direction(n[a]!, b), direction(n[b]!, a)]);
    expect(project(onCreditor)).toEqual(expected);
    expect(project(onCreditor).filter((x) => x.batchId === off!.batchId).map((x) => `${x.kind as string} ${x.service as string}`)).toEqual(['drop voice_mt', 'spike data']);
    const withoutSeq = (list: Json[]) => list.map(({ seq: _seq, ...rest }) => rest);
    expect(withoutSeq(onDebtor)).toEqual(withoutSeq(onCreditor));
  }, TEST_TIMEOUT_MS);

  it('rotates to key epoch 2 from the height every member signed: statements from then on are proved under it, earlier ones keep epoch 1', async () => {
    const [a, b] = [ids[0]!, ids[1]!];
    const heights = await Promise.all(consortium.nodes.map(async (node) => ((await ok(node, 'observer', 'GET', '/v1/status')) as { consensus: { committedHeight: number } }).consensus.committedHeight));
    const activationHeight = Math.max(...heights) + 5;
    const circuits = await Promise.all(
      Object.entries(epoch2.circuits).map(async ([name, files]) => ({
        name,
        zkeySha256: files.zkey.sha256,
        wasmSha256: files.wasm.sha256,
        vkeySha256: files.vkey.sha256,
        vkeyBytes: new Uint8Array(await readFile(join(root, 'keys-2', files.vkey.path))),
      })),
    );
    const body = keyEpochBody(2, activationHeight, circuits);
    const signers = await Promise.all(
      consortium.nodes.map(async (node) => {
        const config = JSON.parse(await readFile(node.configFile, 'utf8')) as { validatorKeyFile: string };
        const { keyPair } = validatorKeyFromJson(JSON.parse(await readFile(resolve(dirname(node.configFile), config.validatorKeyFile), 'utf8')));
        return { member: node.memberId, signer: new Ed25519Signer(keyPair) };
      }),
    );
    const { chainId } = JSON.parse(await readFile(join(consortium.dir, 'genesis.json'), 'utf8')) as { chainId: string };
    const tx = encodeSettlementTx(signSettlementTx(chainId, body, signers));
    expect((await call(n[a]!, 'operator', 'POST', '/v1/txs', { tx: Buffer.from(tx).toString('base64') })).status).toBe(202);
    await onEveryNode('key epoch 2 registered on every node', '/v1/key-epochs', (reply) => (reply.epochs as { epoch: number; activationHeight: number }[]).some((e) => e.epoch === 2 && e.activationHeight === activationHeight));

    // From the activation height on, a's node proves under epoch 2 with the keys folder node.json names.
    await waitFor(`${a} at height ${activationHeight}`, async () => {
      const height = ((await ok(n[a]!, 'observer', 'GET', '/v1/status')) as { consensus: { committedHeight: number } }).consensus.committedHeight;
      return { done: height >= activationHeight, seen: `height ${height}` };
    }, 300_000);
    const { batches } = (await ok(n[a]!, 'operator', 'GET', `/v1/batches?period=2026-10&creditor=${a}&debtor=${b}`)) as { batches: { id: string }[] };
    const { statementId } = (await ok(n[a]!, 'operator', 'POST', `/v1/members/${a}/statements`, { batchId: batches[0]!.id })) as { statementId: string };
    const proposed = await onEveryNode('the epoch 2 statement on every node, its proof verified with the key the chain carries', `/v1/statements/${statementId}`, (statement) => statement.state === 'proposed');
    for (const statement of proposed) expect(statement).toMatchObject({ epoch: 2, circuit: 'settlement-4' });
    const { statements } = (await ok(n[a]!, 'observer', 'GET', `/v1/statements?period=${PERIOD}`)) as { statements: { epoch: number; state: string }[] };
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.every((statement) => statement.epoch === 1)).toBe(true);
  }, TEST_TIMEOUT_MS);

  it("never gives a third member another pair's records or rates, through its API or in anything its node stored", async () => {
    const [a, b, c] = [ids[0]!, ids[1]!, ids[2]!];
    const third = n[c]!;
    const { batches } = (await ok(n[a]!, 'operator', 'GET', `/v1/batches?creditor=${a}&debtor=${b}`)) as { batches: { id: string }[] };
    expect(batches.length).toBeGreaterThan(0);
    for (const batch of batches) {
      expect((await call(third, 'operator', 'GET', `/v1/members/${c}/batches/${encodeURIComponent(batch.id)}/records`)).status).toBe(404);
      const seen = await ok(third, 'operator', 'GET', `/v1/batches/${encodeURIComponent(batch.id)}`);
      expect(seen).toMatchObject({ batchCommitment: null, recordsDigest: null });
      // T33: no volume per service on chain, for anyone
      expect(seen).not.toHaveProperty('volumes');
    }
    const { statements } = (await ok(third, 'operator', 'GET', `/v1/statements?creditor=${a}&debtor=${b}`)) as { statements: Json[] };
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) expect(statement).toMatchObject({ publicInputs: null, proof: null });
    const { agreements } = (await ok(third, 'operator', 'GET', '/v1/agreements')) as { agreements: { id: string; members: string[]; rateCommitments: unknown }[] };
    const ownAgreements = new Set(agreements.filter((x) => x.members.includes(c)).map((x) => x.id));
    for (const agreement of agreements.filter((x) => !x.members.includes(c))) expect(agreement.rateCommitments).toBeNull();

    // Usage anomalies are the parties' data: the third member's operator and an observer see none of the pair's.
    const anomaliesOn = async (node: NodeProcess, role: 'operator' | 'observer', query = '') => ((await ok(node, role, 'GET', `/v1/anomalies${query}`)) as { anomalies: Json[] }).anomalies;
    expect((await anomaliesOn(third, 'operator')).filter((x) => x.creditor !== c && x.debtor !== c)).toEqual([]);
    expect(await anomaliesOn(n[a]!, 'observer')).toEqual([]);

    // Everything the third node keeps privately, read from its LevelDB once it stopped: only its own pairs.
    await third.kill('SIGTERM');
    const db = new ClassicLevel<string, Uint8Array>(join(consortium.dir, c, 'data', 'private'), { valueEncoding: 'view' });
    const entries: [string, Uint8Array][] = [];
    for await (const entry of db.iterator()) entries.push(entry);
    await db.close();
    expect(entries.some(([key]) => key.startsWith('batch/'))).toBe(true);
    for (const [key, value] of entries) {
      const [kind, ...rest] = key.split('/');
      const id = rest.join('/');
      // a batch, a direction's baseline and a batch queued for anomaly detection are named by their direction
      if (kind === 'batch' || kind === 'baseline' || kind === 'unobserved') expect(id.split('/')[0]!.split('>')).toContain(c);
      else if (kind === 'anomaly') expect(Object.values(pick(decodeSettlementCbor(value, 1 << 20, 'anomaly'), ['creditor', 'debtor']))).toContain(c);
      else if (kind === 'terms') expect(ownAgreements.has(id)).toBe(true);
      // Every proposal was completed (registered or resolved on chain) and left the store.
      else expect(['txresult', 'detection']).toContain(kind);
    }
  }, TEST_TIMEOUT_MS);
});

function pick(value: unknown, fields: readonly string[]): Record<string, unknown> {
  const record = value as Record<string, unknown>;
  return Object.fromEntries(fields.map((field) => [field, record[field]]));
}

function chunks(total: number, size: number): number[] {
  const out: number[] = [];
  for (let left = total; left > 0; left -= size) out.push(Math.min(size, left));
  return out;
}

/** The records of one batch (its range of the flow's records) at the creditor's rates. */
function batchTotal(s: { batchId: string; records: ReturnType<typeof usage> }, rates: Rates): bigint {
  const firstId = Number(s.batchId.split('/').pop());
  return totalOf(s.records.slice(firstId, firstId + 4), rates);
}

/** Fewest payments that settle `balances` (sum 0): their count minus the most disjoint zero-sum groups, by trying every split. */
function fewestPayments(balances: readonly bigint[]): number {
  const most = (left: readonly bigint[]): number => {
    if (left.length === 0) return 0;
    let best = 0;
    // Groups containing the first balance: every subset of the rest added to it.
    for (let mask = 0; mask < 1 << (left.length - 1); mask++) {
      const group = [left[0]!, ...left.slice(1).filter((_, i) => (mask >> i) & 1)];
      if (group.reduce((x, y) => x + y, 0n) !== 0n) continue;
      best = Math.max(best, 1 + most(left.slice(1).filter((_, i) => !((mask >> i) & 1))));
    }
    return best;
  };
  return balances.length - most(balances);
}
