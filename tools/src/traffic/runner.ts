import type { Logger } from 'pino';
import { batchIdOf, liveStatementOf, NodeApiError, nettingBalances, statementTotal, type BatchJson, type NettingJson, type PeriodJson, type SettlementApiClient } from './client.js';
import type { MemberNode } from './endpoints.js';
import { TrafficConsistencyError } from './errors.js';
import { Limiter } from './limiter.js';
import { agreementPlans, assertMembers, assertTrafficOptions, choosePeriods, periodPlan, statementDecision, type AgreementPlan, type DirectionPlan, type PeriodPlan, type TrafficMember, type TrafficOptions } from './plan.js';
import { retrying } from './retry.js';
import { periodSummaryLine, type PeriodSummary } from './summary.js';
import { usageRequests } from './usage.js';

/**
 * The period runner: carries the plan (plan.ts) out against the members' nodes. Agreements
 * first (one side proposes with both directions' rates, the other accepts), then one period
 * after the other: every direction's usage, a statement per batch (a few in flight per
 * creditor), the debtor accepting or disputing, both parties resolving a dispute, one member
 * closing the period, and the netting read on every node. Each action happens on the node of
 * the member it acts for, after that node has committed what the action depends on; it picks
 * up what an earlier, interrupted run left (agreements registered, usage committed, statements
 * proposed), so a restarted `npm start` goes on instead of tripping over its own transactions.
 * One JSON log line per step, one summary per period.
 */

export interface TrafficRun {
  readonly nodes: readonly MemberNode[];
  readonly options: TrafficOptions;
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly now?: () => Date;
}

/** Resolution rounds (each party posts, then a wait for the co-signed transaction) before giving up. */
const RESOLUTION_ROUNDS_MAX = 6;
const RESOLUTION_ROUND_WAIT_MS = 30_000;
/** List reads ask for the API's largest page. */
const PAGE = 1_000;
const PAGES_MAX = 1_000;

const members = (nodes: readonly MemberNode[]) => nodes.map((node) => node.member);

/** Settles the run's periods; resolves with their summaries. */
export async function runTraffic(run: TrafficRun): Promise<PeriodSummary[]> {
  const { nodes, options, log } = run;
  assertTrafficOptions(options);
  assertMembers(members(nodes));
  const first = nodes[0]!.client;
  const closed = new Set((await first.periods()).filter((period) => period.closed !== null).map((period) => period.period));
  const periods = choosePeriods(options, (run.now ?? (() => new Date()))(), closed);
  log.info({ step: 'plan', members: nodes.map((node) => node.member.id), periods, recordsPerDirection: options.recordsPerDirection, seed: options.seed }, `traffic for ${nodes.length} members over ${periods.join(', ')}`);

  // Pairs are independent: every agreement at once (a co-signature round trip each, no proof).
  await Promise.all(agreementPlans(members(nodes), periods, options.seed).map(async (plan) => ensureAgreement(run, plan)));

  const limiters = new Map(nodes.map((node) => [node.member.id, new Limiter(options.statementsInFlightPerCreditor)]));
  const summaries: PeriodSummary[] = [];
  for (const [index, period] of periods.entries()) {
    if (closed.has(period)) {
      log.info({ step: 'period_skipped', period }, `period ${period} is closed already (an earlier run)`);
      continue;
    }
    const summary = await runPeriod(run, periodPlan(members(nodes), period, index, options), limiters);
    log.info({ step: 'period_summary', ...summary }, periodSummaryLine(summary));
    summaries.push(summary);
  }
  log.info({ step: 'done', periods: summaries.map((summary) => summary.period) }, `traffic done: ${summaries.length} periods settled`);
  return summaries;
}

/** A POST, sent again while the node answers "not yet" (retry.ts); each retry is logged. */
async function post<T>(run: TrafficRun, what: string, action: () => Promise<T>, conflicts: readonly string[] = []): Promise<T> {
  return retrying(action, {
    conflicts,
    signal: run.signal,
    onRetry: (error, attempt) => run.log.info({ step: 'retry', what, status: error.status, code: error.code, attempt }, `${what}: ${error.code} for now; trying again`),
  });
}

function nodeOf(run: TrafficRun, member: TrafficMember): SettlementApiClient {
  const node = run.nodes.find((candidate) => candidate.member.id === member.id);
  if (node === undefined) throw new TrafficConsistencyError(`no node for member ${member.id}`);
  return node.client;
}

const samePair = (pair: readonly string[], a: string, b: string) => pair.length === 2 && pair.includes(a) && pair.includes(b);

/** The pair's agreement for the plan's validity: reused when registered, accepted when an earlier run proposed it, otherwise proposed and accepted. */
async function ensureAgreement(run: TrafficRun, plan: AgreementPlan): Promise<void> {
  const { proposer, acceptor } = plan;
  const proposerNode = nodeOf(run, proposer);
  const acceptorNode = nodeOf(run, acceptor);
  const step = { step: 'agreement', proposer: proposer.id, acceptor: acceptor.id, fromPeriod: plan.fromPeriod, toPeriod: plan.toPeriod };
  const registered = (await proposerNode.agreements({ member: proposer.id, limit: PAGE })).find(
    (agreement) => samePair(agreement.members, proposer.id, acceptor.id) && agreement.fromPeriod === plan.fromPeriod && agreement.toPeriod === plan.toPeriod,
  );
  if (registered !== undefined) {
    run.log.info({ ...step, agreementId: registered.id, outcome: 'registered_before' }, `agreement ${proposer.id} - ${acceptor.id} ${plan.fromPeriod}..${plan.toPeriod} is registered already`);
    return;
  }
  const pending = (await acceptorNode.agreementProposals(acceptor.id)).find(
    (proposal) => proposal.direction === 'received' && proposal.counterparty === proposer.id && proposal.fromPeriod === plan.fromPeriod && proposal.toPeriod === plan.toPeriod,
  );
  let agreementId = pending?.agreementId;
  if (agreementId === undefined) {
    const terms = { counterparty: acceptor.id, fromPeriod: plan.fromPeriod, toPeriod: plan.toPeriod, rates: plan.rates };
    agreementId = (await post(run, `${proposer.id} proposes an agreement`, () => proposerNode.proposeAgreement(proposer.id, terms))).agreementId;
    const id = agreementId;
    // The proposal reaches the acceptor's node over the private channel.
    await acceptorNode.waitUntil(
      `${acceptor.id} received proposal ${id}`,
      async (client) => client.agreementProposals(acceptor.id),
      (proposals) => proposals.some((proposal) => proposal.agreementId === id && proposal.direction === 'received'),
      (proposals) => `${proposals.length} proposals`,
    );
  }
  const accepted = agreementId;
  const { txHash } = await post(run, `${acceptor.id} accepts agreement ${accepted}`, () => acceptorNode.acceptAgreement(acceptor.id, accepted));
  await acceptorNode.waitForTx(txHash);
  await proposerNode.waitForTx(txHash);
  run.log.info({ ...step, agreementId, txHash, outcome: pending === undefined ? 'registered' : 'accepted_earlier_proposal' }, `agreement ${proposer.id} - ${acceptor.id} ${plan.fromPeriod}..${plan.toPeriod} registered`);
}

interface DirectionOutcome {
  readonly records: number;
  readonly batches: number;
  readonly statements: number;
  readonly disputes: number;
}

async function runPeriod(run: TrafficRun, plan: PeriodPlan, limiters: ReadonlyMap<string, Limiter>): Promise<PeriodSummary> {
  const startedMs = Date.now();
  const { period } = plan;
  const anomalous = plan.directions.filter((direction) => direction.anomaly !== null);
  run.log.info(
    { step: 'period_start', period, directions: plan.directions.length, closer: plan.closer.id, anomalies: anomalous.map((d) => ({ creditor: d.creditor.id, debtor: d.debtor.id, ...d.anomaly })) },
    `period ${period}: ${plan.directions.length} directions`,
  );
  const outcomes = await Promise.all(plan.directions.map(async (direction) => runDirection(run, period, direction, limiters.get(direction.creditor.id)!)));
  const batches = outcomes.reduce((sum, outcome) => sum + outcome.batches, 0);
  const netting = await closePeriod(run, plan, batches);
  // Anomalies are the parties' data (T33): each anomalous direction's creditor's node, asked with its operator token, tells.
  const anomalies = (await Promise.all(anomalous.map(async (direction) => anomaliesOf(nodeOf(run, direction.creditor), period, direction)))).reduce((sum, count) => sum + count, 0);
  return {
    period,
    records: outcomes.reduce((sum, outcome) => sum + outcome.records, 0),
    batches,
    statements: outcomes.reduce((sum, outcome) => sum + outcome.statements, 0),
    disputes: outcomes.reduce((sum, outcome) => sum + outcome.disputes, 0),
    anomalies,
    payments: netting.payments.length,
    nettedAmount: netting.payments.reduce((sum, payment) => sum + BigInt(payment.amount), 0n).toString(),
    elapsedMs: Date.now() - startedMs,
  };
}

/**
 * A direction's usage, then every batch settled. The usage requests are the plan's; what the
 * creditor's chain already holds of them (an earlier, interrupted run) is not sent again. A node
 * keeps a request's batches together and commits them one after the other, so a request partly
 * committed is one the node still commits: the runner waits for its remaining batches instead
 * of sending it twice.
 */
async function runDirection(run: TrafficRun, period: string, direction: DirectionPlan, limiter: Limiter): Promise<DirectionOutcome> {
  const { creditor, debtor } = direction;
  const creditorNode = nodeOf(run, creditor);
  const step = { period, creditor: creditor.id, debtor: debtor.id };
  const filter = { period, creditor: creditor.id, debtor: debtor.id, limit: PAGE };
  const committedRecords = (batches: readonly BatchJson[]) => batches.reduce((sum, batch) => sum + batch.count, 0);
  const committedBefore = committedRecords(await creditorNode.batches(filter));
  let records = 0;
  let offset = 0;
  for (const request of usageRequests(direction, period, run.options.seed)) {
    const end = offset + request.records.length;
    if (committedBefore >= end) {
      run.log.info({ step: 'usage', ...step, records: request.records.length, outcome: 'committed_before' }, `${creditor.id} -> ${debtor.id} ${period}: ${request.records.length} records committed by an earlier run`);
    } else if (committedBefore > offset) {
      await creditorNode.waitUntil(`${creditor.id} commits the rest of an earlier run's usage for ${debtor.id} ${period}`, async (client) => client.batches(filter), (batches) => committedRecords(batches) >= end, (batches) => `${committedRecords(batches)} of ${end} records`);
      run.log.info({ step: 'usage', ...step, records: request.records.length, outcome: 'committed_after_restart' }, `${creditor.id} -> ${debtor.id} ${period}: the node committed the rest of an earlier run's ${request.records.length} records`);
    } else {
      const submitted = await creditorNode.submitUsage(creditor.id, request);
      await Promise.all(submitted.map(async (batch) => creditorNode.waitForTx(batch.txHash)));
      records += request.records.length;
      run.log.info({ step: 'usage', ...step, records: request.records.length, batches: submitted.length, anomaly: direction.anomaly }, `${creditor.id} -> ${debtor.id} ${period}: ${request.records.length} records in ${submitted.length} batches committed`);
    }
    offset = end;
  }
  // Every batch of the direction, as the creditor's node has committed them (an earlier run's too).
  const batchIds = (await creditorNode.batches(filter)).map(batchIdOf);
  const settled = await Promise.all(batchIds.map(async (batchId) => settleBatch(run, direction, batchId, limiter)));
  return {
    records,
    batches: batchIds.length,
    statements: settled.filter((outcome) => outcome.proposed).length,
    disputes: settled.filter((outcome) => outcome.disputed).length,
  };
}

/** The batch's statement proposed (unless it is), then accepted or disputed and resolved by the plan. */
async function settleBatch(run: TrafficRun, direction: DirectionPlan, batchId: string, limiter: Limiter): Promise<{ proposed: boolean; disputed: boolean }> {
  const { creditor, debtor } = direction;
  const creditorNode = nodeOf(run, creditor);
  const debtorNode = nodeOf(run, debtor);
  const batch = await creditorNode.batch(batchId);
  if (batch === null) throw new TrafficConsistencyError(`${creditor.id}'s node does not know batch ${batchId} after its commit`);
  let statementId = liveStatementOf(batch);
  const proposed = statementId === null;
  if (statementId === null) {
    statementId = await limiter.run(async () => {
      const startedMs = Date.now();
      const { statementId: id } = await post(run, `${creditor.id} proposes the statement of ${batchId}`, () => creditorNode.proposeStatement(creditor.id, batchId), ['batch_not_committed']);
      await creditorNode.waitForStatement(id, ['proposed', 'accepted', 'disputed', 'resolved']);
      run.log.info({ step: 'statement', batchId, statementId: id, creditor: creditor.id, debtor: debtor.id, provedInMs: Date.now() - startedMs }, `statement of ${batchId} proposed`);
      return id;
    });
  }
  const id = statementId;
  let statement = await debtorNode.waitForStatement(id, ['proposed', 'accepted', 'disputed', 'resolved']);
  let disputed = false;
  if (statement.state === 'proposed') {
    // The debtor answers only once its node received the batch's records (and checked them against the commitment).
    const received = await debtorNode.waitUntil(`${debtor.id} received the records of ${batchId}`, async (client) => client.batchRecords(debtor.id, batchId), (records) => records !== null, (records) => (records === null ? 'not received' : 'received'));
    if (received!.records.length !== batch.count) throw new TrafficConsistencyError(`${debtor.id} holds ${received!.records.length} records of ${batchId}, the chain says ${batch.count}`);
    const decision = statementDecision(run.options.seed, batchId, run.options.disputeOneIn);
    if (decision.kind === 'accept') {
      const { txHash } = await post(run, `${debtor.id} accepts ${id}`, () => debtorNode.acceptStatement(debtor.id, id), ['records_not_received']);
      await debtorNode.waitForTx(txHash);
      run.log.info({ step: 'accept', batchId, statementId: id, debtor: debtor.id, txHash }, `${debtor.id} accepted the statement of ${batchId}`);
      return { proposed, disputed };
    }
    const { txHash } = await post(run, `${debtor.id} disputes ${id}`, () => debtorNode.disputeStatement(debtor.id, id, { reasonCode: decision.reasonCode, reason: decision.reason }));
    await debtorNode.waitForTx(txHash);
    run.log.info({ step: 'dispute', batchId, statementId: id, debtor: debtor.id, reasonCode: decision.reasonCode, txHash }, `${debtor.id} disputed the statement of ${batchId} (${decision.reasonCode})`);
    disputed = true;
    statement = await debtorNode.waitForStatement(id, 'disputed');
  }
  if (statement.state === 'disputed') await resolveDispute(run, direction, id);
  return { proposed, disputed };
}

/**
 * Both parties post a resolution at the statement's proven total: the first node signs and sends
 * its signature to the other, the second submits the co-signed transaction. Should the two posts
 * cross (each node first), the rounds repeat until one node holds both signatures.
 */
async function resolveDispute(run: TrafficRun, direction: DirectionPlan, statementId: string): Promise<void> {
  const { creditor, debtor } = direction;
  const creditorNode = nodeOf(run, creditor);
  const debtorNode = nodeOf(run, debtor);
  const disputed = await creditorNode.waitForStatement(statementId, ['disputed', 'resolved']);
  if (disputed.state === 'resolved') return;
  const agreedTotal = statementTotal(disputed);
  for (let round = 0; round < RESOLUTION_ROUNDS_MAX; round++) {
    for (const [party, node] of [[creditor, creditorNode], [debtor, debtorNode]] as const) {
      const answer = await post(run, `${party.id} resolves ${statementId}`, () => node.resolveStatement(party.id, statementId, agreedTotal));
      if ('txHash' in answer) {
        await node.waitForTx(answer.txHash);
        await debtorNode.waitForStatement(statementId, 'resolved');
        run.log.info({ step: 'resolution', statementId, creditor: creditor.id, debtor: debtor.id, agreedTotal: agreedTotal.toString(), submittedBy: party.id, txHash: answer.txHash }, `dispute of ${statementId} resolved at ${agreedTotal}`);
        return;
      }
      run.log.info({ step: 'resolution_signed', statementId, party: party.id, round }, `${party.id} signed the resolution of ${statementId}`);
    }
    // Both answered awaiting_counterparty: a node may still submit once the other's signature arrives.
    try {
      await debtorNode.waitForStatement(statementId, 'resolved', { timeoutMs: RESOLUTION_ROUND_WAIT_MS });
      run.log.info({ step: 'resolution', statementId, creditor: creditor.id, debtor: debtor.id, agreedTotal: agreedTotal.toString() }, `dispute of ${statementId} resolved at ${agreedTotal}`);
      return;
    } catch (error) {
      if (run.signal.aborted || !(error instanceof Error && error.name === 'WaitTimeoutError')) throw error;
    }
  }
  throw new TrafficConsistencyError(`the dispute of ${statementId} is not resolved after ${RESOLUTION_ROUNDS_MAX} rounds of both parties signing the same total`);
}

/** Once every batch of the period is settled on the closer's node, it closes the period; then the netting of every node, which must agree. */
async function closePeriod(run: TrafficRun, plan: PeriodPlan, batches: number): Promise<NettingJson> {
  const { period, closer } = plan;
  const closerNode = nodeOf(run, closer);
  const describe = (view: PeriodJson | undefined) => (view === undefined ? 'no batches yet' : `${view.settledBatches} of ${view.batches} batches settled${view.closed === null ? '' : ', closed'}`);
  const view = await closerNode.waitUntil(
    `period ${period} settled`,
    async (client) => (await client.periods()).find((candidate) => candidate.period === period),
    (found) => found !== undefined && (found.closed !== null || (found.batches >= batches && found.settledBatches === found.batches)),
    describe,
  );
  if (view!.closed === null) {
    const txHash = await submitClose(run, closerNode, closer, period);
    if (txHash !== null) {
      await closerNode.waitForTx(txHash);
      run.log.info({ step: 'close', period, closer: closer.id, txHash }, `${closer.id} closed period ${period}`);
    }
  }
  const nettings = await Promise.all(
    run.nodes.map(async (node) => ({
      member: node.member.id,
      netting: (await node.client.waitUntil(`netting of ${period}`, async (client) => client.netting(period), (netting) => netting !== null, (netting) => (netting === null ? 'not closed here yet' : 'closed')))!,
    })),
  );
  const reference = nettingKey(nettings[0]!.netting);
  const differing = nettings.filter((entry) => nettingKey(entry.netting) !== reference);
  if (differing.length > 0) throw new TrafficConsistencyError(`the netting of ${period} differs between nodes: ${differing.map((entry) => entry.member).join(', ')} disagree with ${nettings[0]!.member}`);
  const netting = nettings[0]!.netting;
  run.log.info(
    { step: 'netting', period, nodes: nettings.length, balances: Object.fromEntries([...nettingBalances(netting)].map(([member, balance]) => [member, balance.toString()])), payments: netting.payments },
    `netting of ${period}: ${netting.payments.length} payments, the same on ${nettings.length} nodes`,
  );
  return netting;
}

/** The close, sent again while the rule says "not yet"; null when the period is closed already (an earlier run). */
async function submitClose(run: TrafficRun, node: SettlementApiClient, closer: TrafficMember, period: string): Promise<string | null> {
  try {
    return (await post(run, `${closer.id} closes ${period}`, () => node.closePeriod(closer.id, period), ['PeriodNotOverError', 'PeriodUnsettledError'])).txHash;
  } catch (error) {
    if (error instanceof NodeApiError && error.status === 409 && error.code === 'PeriodClosedError') return null;
    throw error;
  }
}

/** Balances and payments in one canonical string, to compare nodes. */
function nettingKey(netting: NettingJson): string {
  const balances = [...nettingBalances(netting)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([member, balance]) => `${member}=${balance}`);
  const payments = netting.payments.map((payment) => `${payment.from}>${payment.to}=${BigInt(payment.amount)}`);
  return `${balances.join(',')}|${payments.join(',')}`;
}

/**
 * Anomalies the direction's creditor's node raised on the direction in `period` (all pages, in
 * order): `node` is that creditor's, its client holds the creditor's operator token, and a node
 * shows its anomalies to the pair's operators only.
 */
async function anomaliesOf(node: SettlementApiClient, period: string, direction: Pick<DirectionPlan, 'creditor' | 'debtor'>): Promise<number> {
  let afterSeq = 0;
  let count = 0;
  for (let page = 0; page < PAGES_MAX; page++) {
    const anomalies = await node.anomalies({ afterSeq, member: direction.debtor.id, limit: PAGE });
    count += anomalies.filter((anomaly) => anomaly.period === period && anomaly.creditor === direction.creditor.id && anomaly.debtor === direction.debtor.id).length;
    if (anomalies.length < PAGE) return count;
    afterSeq = anomalies.at(-1)!.seq;
  }
  return count;
}
