import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WaitTimeoutError } from '../../src/devnet/wait.js';
import { NodeApiError, nettingBalances, retryAfterMs, SettlementApiClient, statementTotal } from '../../src/traffic/client.js';
import { TxRefusedError } from '../../src/traffic/errors.js';
import { Limiter } from '../../src/traffic/limiter.js';
import { parseTrafficArgs } from '../../src/traffic/options.js';
import { retrying } from '../../src/traffic/retry.js';

/**
 * The client's HTTP handling (bearer token, bigints as decimal strings, the refusal body, 429 and
 * Retry-After, the waits) against a plain node:http server on loopback that answers as the
 * settlement API's contract says. It stands in for the HTTP exchange only; the e2e test
 * (test/e2e/start.test.ts, under `npm start`) drives real nodes.
 */

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly body: string;
}

type Handler = (request: Seen, response: ServerResponse) => void;

let server: Server;
let baseUrl = '';
let handler: Handler = (_request, response) => response.writeHead(500).end();
const seen: Seen[] = [];

async function bodyOf(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) text += (chunk as Buffer).toString();
  return text;
}

beforeAll(async () => {
  server = createServer((request, response) => {
    void bodyOf(request).then((body) => {
      const entry = { method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization, body };
      seen.push(entry);
      handler(entry, response);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

const client = () => new SettlementApiClient({ apiUrl: `${baseUrl}/`, token: 'secret-token', retryAfterMaxMs: 1_500 });

describe('the settlement API client', () => {
  it('sends the bearer token and bigints as decimal strings, and reads the answer', async () => {
    seen.length = 0;
    handler = (_request, response) => json(response, 202, { resolution: 'sent', state: 'awaiting_counterparty' });
    const answer = await client().resolveStatement('Orange-FR', 'ab'.repeat(32), 12_345_678_901_234_567_890n);
    expect(answer).toMatchObject({ state: 'awaiting_counterparty' });
    expect(seen[0]).toMatchObject({ method: 'POST', url: `/v1/members/Orange-FR/statements/${'ab'.repeat(32)}/resolution`, authorization: 'Bearer secret-token' });
    expect(JSON.parse(seen[0]!.body)).toEqual({ agreedTotal: '12345678901234567890' });
  });

  it('escapes path segments and builds queries', async () => {
    seen.length = 0;
    handler = (_request, response) => json(response, 200, { batches: [] });
    await client().batches({ period: '2026-10', creditor: 'Orange-FR', limit: 1000 });
    handler = (_request, response) => json(response, 404, { error: 'not_found', message: 'no such batch' });
    expect(await client().batch('Orange-FR>T-Mobile-DE/2026-10/61')).toBeNull();
    expect(seen.map((entry) => entry.url)).toEqual(['/v1/batches?period=2026-10&creditor=Orange-FR&limit=1000', '/v1/batches/Orange-FR%3ET-Mobile-DE%2F2026-10%2F61']);
  });

  it('turns a refusal into a NodeApiError with the status, error, field and message', async () => {
    handler = (_request, response) => json(response, 409, { error: 'PeriodUnsettledError', field: 'period', message: 'batch X has no accepted statement' });
    const error = await client().closePeriod('Orange-FR', '2026-10').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NodeApiError);
    expect(error).toMatchObject({ name: 'NodeApiError', status: 409, code: 'PeriodUnsettledError', field: 'period', detail: 'batch X has no accepted statement' });
    handler = (_request, response) => response.writeHead(502).end('bad gateway');
    await expect(client().periods()).rejects.toMatchObject({ status: 502, code: 'http_502', field: null, detail: 'bad gateway' });
  });

  it('waits out a 429 for its Retry-After and sends the request again', async () => {
    seen.length = 0;
    let calls = 0;
    handler = (_request, response) => {
      calls += 1;
      if (calls === 1) json(response, 429, { error: 'rate_limited', message: 'at most 1 request per 60000 ms' }, { 'retry-after': '1' });
      else json(response, 200, { periods: [{ period: '2026-10', batches: 2, settledBatches: 1, closed: null }] });
    };
    const startedMs = Date.now();
    const periods = await client().periods();
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(900);
    expect(periods).toEqual([{ period: '2026-10', batches: 2, settledBatches: 1, closed: null }]);
    expect(seen).toHaveLength(2);
    // Past its retries the 429 is the error.
    handler = (_request, response) => json(response, 429, { error: 'rate_limited', message: 'slow down' }, { 'retry-after': '1' });
    const stubborn = new SettlementApiClient({ apiUrl: baseUrl, token: 't', rateLimitedRetries: 0 });
    await expect(stubborn.periods()).rejects.toMatchObject({ status: 429, code: 'rate_limited' });
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3_000);
    expect(retryAfterMs('0')).toBe(1_000);
    expect(retryAfterMs(null)).toBe(1_000);
    expect(retryAfterMs(new Date(10_000 + 5_000).toUTCString(), 10_000)).toBe(5_000);
  });

  it('waits for a transaction until it is committed, and names a refusal', async () => {
    let polls = 0;
    handler = (_request, response) => {
      polls += 1;
      if (polls < 3) json(response, 404, { error: 'not_found', message: 'no committed transaction has this hash' });
      else json(response, 200, { height: 7, index: 0, code: 'ok', log: '[]' });
    };
    expect(await client().waitForTx('aa'.repeat(32), { intervalMs: 10 })).toMatchObject({ height: 7 });
    expect(polls).toBe(3);
    handler = (_request, response) => json(response, 200, { height: 8, index: 1, code: 'statement_mismatch', log: 'rateCommitment' });
    await expect(client().waitForTx('bb'.repeat(32), { intervalMs: 10 })).rejects.toBeInstanceOf(TxRefusedError);
    handler = (_request, response) => json(response, 404, { error: 'not_found', message: 'not yet' });
    await expect(client().waitForTx('cc'.repeat(32), { intervalMs: 10, timeoutMs: 100 })).rejects.toBeInstanceOf(WaitTimeoutError);
  });

  it('waits for a statement to reach a state, through a 404 before it is on chain', async () => {
    let polls = 0;
    handler = (_request, response) => {
      polls += 1;
      if (polls === 1) json(response, 404, { error: 'not_found', message: 'no such statement' });
      else json(response, 200, { id: 'ff', state: polls < 3 ? 'proposed' : 'accepted', creditor: 'A', debtor: 'B', period: '2026-10', batchId: 'A>B/2026-10/0', publicInputs: { total: '987654321987654321' } });
    };
    const statement = await client().waitForStatement('ff', ['accepted', 'resolved'], { intervalMs: 10 });
    expect(statement.state).toBe('accepted');
    expect(statementTotal(statement)).toBe(987_654_321_987_654_321n);
  });

  it('stops a wait when its signal aborts', async () => {
    handler = (_request, response) => json(response, 404, { error: 'not_found', message: 'not yet' });
    const stop = new AbortController();
    const waiting = new SettlementApiClient({ apiUrl: baseUrl, token: 't', signal: stop.signal }).waitForTx('dd'.repeat(32), { intervalMs: 10 });
    setTimeout(() => stop.abort(new Error('stopping')), 50);
    await expect(waiting).rejects.toThrow('stopping');
  });
});

describe('netting balances', () => {
  it('read either JSON form as bigints', () => {
    const payments = [{ from: 'A', to: 'B', amount: '5' }];
    expect(nettingBalances({ period: '2026-10', balances: { A: '-5', B: '5' }, payments })).toEqual(new Map([['A', -5n], ['B', 5n]]));
    expect(nettingBalances({ period: '2026-10', balances: [{ member: 'A', balance: '-5' }, { member: 'B', balance: '5' }], payments })).toEqual(new Map([['A', -5n], ['B', 5n]]));
  });
});

describe('the limiter', () => {
  it('runs at most max pieces of work at once, all of them in the end', async () => {
    const limiter = new Limiter(2);
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: 7 }, async (_, i) =>
        limiter.run(async () => {
          running += 1;
          most = Math.max(most, running);
          await new Promise((resolve) => setTimeout(resolve, 5));
          running -= 1;
          done.push(i);
        }),
      ),
    );
    expect(most).toBe(2);
    expect(done.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(limiter.active).toBe(0);
    // A failing piece frees its slot.
    await expect(limiter.run(async () => Promise.reject(new Error('failed')))).rejects.toThrow('failed');
    expect(limiter.active).toBe(0);
  });
});

describe('the command line', () => {
  it('reads the options, with the defaults of a demo run', () => {
    const { endpointsFile, options } = parseTrafficArgs(['node', 'traffic', '--periods', '2', '--records', '61', '--first-period', '2026-01'], '/repo', '/cwd');
    expect(endpointsFile).toBe('/repo/.devnet/endpoints.json');
    expect(options).toMatchObject({ periods: 2, recordsPerDirection: 61, firstPeriod: '2026-01', disputeOneIn: 8, anomalyEvery: 3, statementsInFlightPerCreditor: 2 });
    expect(parseTrafficArgs(['node', 'traffic', '--endpoints', 'x.json'], '/repo', '/cwd').endpointsFile).toBe('/cwd/x.json');
  });
});

describe('a wait on a node that is busy', () => {
  it('goes on through a 503 and ends at a refusal', async () => {
    let polls = 0;
    handler = (_request, response) => {
      polls += 1;
      if (polls === 1) json(response, 503, { error: 'stopping', message: 'the node is stopping' });
      else json(response, 200, { height: 3, index: 0 });
    };
    expect(await client().waitForTx('ee'.repeat(32), { intervalMs: 10 })).toMatchObject({ height: 3 });
    handler = (_request, response) => json(response, 403, { error: 'forbidden', message: 'not your member' });
    await expect(client().waitForTx('ee'.repeat(32), { intervalMs: 10 })).rejects.toMatchObject({ name: 'NodeApiError', status: 403 });
  });
});

describe('a POST the node refuses for now', () => {
  const refusal = (status: number, code: string) => new NodeApiError('POST', '/v1/x', status, code, null, 'not now');

  it('is sent again on 503 and on the 409 codes named, and fails at once on any other refusal', async () => {
    const signal = new AbortController().signal;
    let calls = 0;
    const retried: string[] = [];
    const answer = await retrying(
      async () => {
        calls += 1;
        if (calls === 1) return Promise.reject(refusal(503, 'full'));
        if (calls === 2) return Promise.reject(refusal(409, 'batch_not_committed'));
        return Promise.resolve('done');
      },
      { conflicts: ['batch_not_committed'], signal, intervalMs: 1, onRetry: (error) => retried.push(error.code) },
    );
    expect(answer).toBe('done');
    expect(retried).toEqual(['full', 'batch_not_committed']);
    await expect(retrying(async () => Promise.reject(refusal(409, 'PeriodClosedError')), { conflicts: ['PeriodNotOverError'], signal, intervalMs: 1 })).rejects.toMatchObject({ code: 'PeriodClosedError' });
    await expect(retrying(async () => Promise.reject(refusal(400, 'invalid_request')), { signal, intervalMs: 1 })).rejects.toMatchObject({ status: 400 });
    let tries = 0;
    await expect(retrying(async () => Promise.reject(refusal(503, 'full')), { signal, intervalMs: 1, attempts: 3, onRetry: () => (tries += 1) })).rejects.toMatchObject({ status: 503 });
    expect(tries).toBe(2);
  });
});
