import type { ApiRole } from '@consortium/node-config';
import fc from 'fast-check';
import { mutatedBytes } from '../arbitraries/bytes.js';
import { hostileJson } from '../arbitraries/hostile.js';
import { counterByLabel } from '../fixtures/settlement-app.js';
import { NODE_MEMBER, startSingleNode, type NodeUnderFuzz } from '../fixtures/single-node.js';
import { expectThat, VALID, type FuzzInput, type FuzzTarget, type Verdict } from '../target.js';

/**
 * The node's HTTP API as a client meets it: a whole node in this process (startNode: the real
 * fastify server with its hooks, schemas, rate limits, error handler and handlers, over a real
 * settlement chain), requests over loopback. Paths, query strings, bodies (as JSON and as bytes),
 * content types and credentials are mutated from real requests. No request may answer 500 (or
 * any 5xx but 503, "not now"); every refusal has the node's error shape `{ error, message }`; a
 * refused input (400, 413, 415) is counted in consortium_api_invalid_requests_total and emitted
 * as an `invalid_request` security event.
 */

type Credentials = ApiRole | 'none' | 'forged';

interface ApiRequest {
  readonly method: string;
  readonly path: readonly unknown[];
  readonly query: unknown;
  readonly body?: unknown;
  /** A body sent as these bytes rather than as `body`'s JSON. */
  readonly rawBody?: string;
  readonly contentType?: string;
  readonly credentials: Credentials;
}

const INVALID_REQUESTS = 'consortium_api_invalid_requests_total';
/** Statuses of refused input: a bad field or URL, too large a body or URL, a content type not taken. */
const REFUSED_INPUT = [400, 413, 414, 415];
/** The node's error codes (`invalid_request`, `not_found`, ...), not fastify's default reason phrases. */
const NODE_ERROR_CODE = /^[a-z][a-z_]*$/;
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];
const CREDENTIALS: readonly Credentials[] = ['operator', 'observer', 'admin', 'none', 'forged'];
const HASH = 'ab'.repeat(32);
const RATES = { voice_mo: '1500', voice_mt: '900', sms: '100', data: '2000' };

const get = (path: unknown[], query: Record<string, unknown> = {}, credentials: Credentials = 'observer'): ApiRequest => ({ method: 'GET', path, query, credentials });
const post = (path: unknown[], body: unknown): ApiRequest => ({ method: 'POST', path, query: {}, body, contentType: 'application/json', credentials: 'operator' });
const member = (...rest: unknown[]) => ['v1', 'members', NODE_MEMBER, ...rest];

/** Reads every route takes; they answer 200 whatever the chain holds, so they are the valid inputs. */
const READS: readonly ApiRequest[] = [
  get(['health'], {}, 'none'),
  get(['v1', 'status']),
  get(['v1', 'peers']),
  get(['v1', 'blocks', '1']),
  get(['v1', 'evidence']),
  get(['v1', 'agreements'], { member: NODE_MEMBER, limit: 10 }),
  get(['v1', 'batches'], { period: '2026-11', creditor: NODE_MEMBER, limit: 5 }),
  get(['v1', 'statements'], { state: 'proposed', period: '2026-11', limit: 5 }),
  get(['v1', 'periods']),
  get(['v1', 'anomalies'], { afterSeq: 0, limit: 5 }),
  get(['v1', 'key-epochs']),
  get(member('agreements', 'proposals'), {}, 'operator'),
];

/** Requests that need what a one-member chain lacks (a counterparty, a batch): refused, but through every check first. */
const WRITES: readonly ApiRequest[] = [
  get(['v1', 'txs', HASH]),
  get(['v1', 'batches', HASH]),
  get(['v1', 'statements', HASH]),
  get(['v1', 'periods', '2026-11', 'netting']),
  post(['v1', 'txs'], { tx: Buffer.from('not a transaction').toString('base64') }),
  post(['v1', 'txs', 'batch'], { txs: [Buffer.from([0xa0]).toString('base64'), 'AAAA'] }),
  post(member('agreements'), { counterparty: 'SFR-FR', fromPeriod: '2026-01', toPeriod: '2026-12', rates: { [NODE_MEMBER]: RATES, 'SFR-FR': RATES } }),
  post(member('agreements', HASH, 'accept'), {}),
  post(member('usage'), { debtor: 'SFR-FR', period: '2026-11', records: [{ subscriberRef: '0'.repeat(32), service: 'voice_mo', startTime: '1793491200', volume: '120' }] }),
  post(member('statements'), { batchId: HASH }),
  post(member('statements', HASH, 'accept'), {}),
  post(member('statements', HASH, 'dispute'), { reasonCode: 'duplicate_records', reason: 'records repeat last month' }),
  post(member('statements', HASH, 'resolution'), { agreedTotal: '12345' }),
  post(member('periods', '2026-10', 'close'), {}),
  get(member('batches', HASH, 'records'), {}, 'operator'),
];

/** A header's bytes as a raw client sends them: UTF-8 read as Latin-1, without the control characters HTTP cannot carry. */
function headerValue(text: string): string {
  // eslint-disable-next-line no-control-regex
  return Buffer.from(text, 'utf8').toString('latin1').replace(/[\x00-\x1f\x7f]/g, '');
}

/** A mutated descriptor, made sendable: a known method, path segments and query values as text, known credentials. */
function normalised(value: unknown): ApiRequest {
  const raw = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const text = (item: unknown) => (typeof item === 'string' ? item : (JSON.stringify(item) ?? 'undefined'));
  return {
    method: typeof raw.method === 'string' && METHODS.includes(raw.method) ? raw.method : 'GET',
    path: Array.isArray(raw.path) ? raw.path.map(text) : [text(raw.path)],
    query: raw.query,
    ...('body' in raw ? { body: raw.body } : {}),
    ...(typeof raw.contentType === 'string' ? { contentType: headerValue(raw.contentType) } : {}),
    credentials: CREDENTIALS.includes(raw.credentials as Credentials) ? (raw.credentials as Credentials) : 'operator',
  };
}

/** Percent-encoding of the UTF-8 bytes (a lone surrogate becomes U+FFFD, as any client sends it; encodeURIComponent throws). */
function percentEncoded(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).padStart(2, '0').toUpperCase()}`)).join('');
}

function urlOf(base: string, request: ApiRequest): string {
  const query = new URLSearchParams();
  if (typeof request.query === 'object' && request.query !== null) {
    for (const [key, item] of Object.entries(request.query)) for (const one of Array.isArray(item) ? item : [item]) query.append(key, typeof one === 'string' ? one : (JSON.stringify(one) ?? ''));
  } else if (request.query !== undefined) query.append('q', JSON.stringify(request.query) ?? '');
  const search = query.toString();
  return `${base}/${request.path.map((segment) => percentEncoded(String(segment))).join('/')}${search === '' ? '' : `?${search}`}`;
}

async function send(subject: NodeUnderFuzz, request: ApiRequest): Promise<{ readonly status: number; readonly body: unknown }> {
  const headers: Record<string, string> = {};
  if (request.credentials === 'forged') headers.authorization = `Bearer cst_${'0'.repeat(43)}`;
  else if (request.credentials !== 'none') headers.authorization = `Bearer ${subject.tokens[request.credentials]}`;
  if (request.contentType !== undefined) headers['content-type'] = request.contentType;
  const body = request.method === 'GET' ? undefined : (request.rawBody ?? (request.body === undefined ? undefined : JSON.stringify(request.body)));
  const response = await fetch(urlOf(subject.node.httpUrl, request), { method: request.method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // /metrics is text; an error answer must be JSON, checked below
  }
  return { status: response.status, body: parsed };
}

async function check(subject: NodeUnderFuzz, request: ApiRequest): Promise<Verdict> {
  const countedBefore = await invalidRequests(subject);
  const eventsBefore = subject.securityEvents.length;
  const { status, body } = await send(subject, request);
  expectThat(status < 500 || status === 503, `${request.method} ${urlOf('', request)} answered ${status}: ${JSON.stringify(body).slice(0, 300)}`);
  if (status < 400) return VALID;
  const error = body as { error?: unknown; message?: unknown };
  expectThat(
    typeof error === 'object' && error !== null && typeof error.error === 'string' && NODE_ERROR_CODE.test(error.error) && typeof error.message === 'string',
    `a ${status} without the node's error shape { error: <code>, message }: ${JSON.stringify(body).slice(0, 300)}`,
  );
  if (REFUSED_INPUT.includes(status)) {
    expectThat((await invalidRequests(subject)) > countedBefore, `a refused input (${status} ${String(error.error)}) was not counted in ${INVALID_REQUESTS}`);
    expectThat(subject.securityEvents.slice(eventsBefore).some((event) => event.kind === 'invalid_request'), `a refused input (${status} ${String(error.error)}) made no invalid_request security event`);
  }
  return { outcome: 'refused', refusal: `${status} ${String(error.error)}` };
}

async function invalidRequests(subject: NodeUnderFuzz): Promise<number> {
  let total = 0;
  for (const value of (await counterByLabel(subject.node.telemetry, INVALID_REQUESTS, 'reason')).values()) total += value;
  return total;
}

function inputs(): fc.Arbitrary<FuzzInput<ApiRequest>> {
  // now and then other credentials (none, a forged token, a role the route does not take)
  const descriptors = fc
    .tuple(hostileJson(READS, WRITES), fc.option(fc.constantFrom(...CREDENTIALS), { freq: 8 }))
    .map(([input, credentials]): FuzzInput<ApiRequest> => {
      const request = normalised(input.value);
      return input.origin === 'valid' || credentials === null ? { origin: input.origin, value: request } : { origin: 'mutated', value: { ...request, credentials } };
    });
  const posts = WRITES.filter((request) => request.method === 'POST');
  const encoder = new TextEncoder();
  // bodies as bytes: cut, flipped, spliced JSON, under any content type
  const rawBodies = fc
    .tuple(fc.constantFrom(...posts), mutatedBytes(posts.map((request) => encoder.encode(JSON.stringify(request.body)))), fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1'))
    .map(([request, bytes, contentType]): FuzzInput<ApiRequest> => ({ origin: 'mutated', value: { ...request, rawBody: new TextDecoder().decode(bytes), contentType } }));
  return fc.oneof({ weight: 4, arbitrary: descriptors }, { weight: 1, arbitrary: rawBodies });
}

export const nodeApiTarget: FuzzTarget<ApiRequest> = {
  name: 'node-api',
  description: "requests to a whole node's HTTP API (in process, over loopback); never a 5xx but 503, the node's error shape, refused input counted and emitted as a security event",
  async open() {
    const subject = await startSingleNode();
    return { inputs: inputs(), check: ({ value }) => check(subject, value), close: () => subject.close() };
  },
};
