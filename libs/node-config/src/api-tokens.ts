import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import Type, { type Static } from 'typebox';
import { explained, schemaProblems } from './problems.js';
import { API_ROLES } from './schema.js';

/**
 * API credentials: per-client bearer tokens, shown once when issued and stored only as their
 * SHA-256 (as GitHub stores personal access tokens). A token carries 256 random bits, so a
 * fast unsalted hash is enough: nobody can search 2^256 preimages, and the node needs no slow
 * KDF on every request. The tokens file (referenced by node.json `http.tokensFile`) holds no
 * secret: a leaked copy lets nobody in.
 *
 *   { "format": "consortium-api-tokens/1",
 *     "clients": [{ "client": "sfr-fr-operator", "role": "operator", "member": "SFR-FR", "sha256": "<64 hex>",
 *                   "expiresAt": "2026-12-31T00:00:00Z" }] }
 *
 * `expiresAt` (optional) bounds how long a token that leaked stays useful: from that time on the
 * node refuses it (401 token_expired) without a reload, so a forgotten token dies on its own.
 */

export const API_TOKENS_FORMAT = 'consortium-api-tokens/1';
/** Tokens start with this prefix, so secret scanners and people recognise them. */
export const API_TOKEN_PREFIX = 'cst_';
const TOKEN_RANDOM_BYTES = 32;
/** A client id is a label in logs, metrics-free (never a metric label), and a rate-limit key. */
const CLIENT_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
/**
 * An ISO 8601 time with its zone (Z or an offset): a time without a zone would mean another
 * instant on a host in another zone. Date.parse then checks the calendar (no month 13).
 */
const EXPIRES_AT_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2})$';
const EXPIRES_AT_MESSAGE = 'must be an ISO 8601 time with its zone, e.g. 2026-12-31T00:00:00Z';

const ApiClientRecordSchema = explained(
  Type.Object(
  {
    client: explained(Type.String({ pattern: CLIENT_ID_PATTERN }), 'must be a client id of 1 to 64 letters, digits, ".", "_" or "-"'),
    role: explained(Type.Union([Type.Literal('observer'), Type.Literal('operator'), Type.Literal('admin')]), `must be one of ${API_ROLES.join(', ')}`),
    member: Type.Optional(explained(Type.String({ minLength: 1 }), 'must name the member an operator acts for (as in genesis)')),
    sha256: explained(Type.String({ pattern: '^[0-9a-f]{64}$' }), "must be the token's SHA-256 in 64 lowercase hex characters"),
    expiresAt: Type.Optional(explained(Type.String({ pattern: EXPIRES_AT_PATTERN }), EXPIRES_AT_MESSAGE)),
  },
  { additionalProperties: false },
  ),
  'must be an object with client, role, member (operators only), sha256 and expiresAt (optional)',
);

export const ApiTokensFileSchema = explained(
  Type.Object(
    {
      format: explained(Type.Literal(API_TOKENS_FORMAT), `must be "${API_TOKENS_FORMAT}"`),
      clients: explained(Type.Array(ApiClientRecordSchema, { maxItems: 1_000 }), 'must list at most 1000 clients'),
    },
    { additionalProperties: false },
  ),
  'the file must hold a JSON object with format and clients',
);

/** One client as the tokens file stores it (the token itself is never stored). */
export type ApiClientRecord = Static<typeof ApiClientRecordSchema>;
/** An authenticated client: who it is and what it may do. */
export type ApiClient = Omit<ApiClientRecord, 'sha256'>;

export class ApiTokensFileError extends Error {
  override readonly name = 'ApiTokensFileError';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file} is not a valid API tokens file:\n  - ${problems.join('\n  - ')}`);
  }
}

/** The token's SHA-256, as stored in the tokens file. */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new client credential: the token (show it once, hand it to the client) and the record to store. */
export function issueApiToken(client: ApiClient): { readonly token: string; readonly record: ApiClientRecord } {
  const token = `${API_TOKEN_PREFIX}${randomBytes(TOKEN_RANDOM_BYTES).toString('base64url')}`;
  const record: ApiClientRecord = {
    client: client.client,
    role: client.role,
    ...(client.member === undefined ? {} : { member: client.member }),
    sha256: hashApiToken(token),
    ...(client.expiresAt === undefined ? {} : { expiresAt: client.expiresAt }),
  };
  apiTokensFileOf([record]); // throws ApiTokensFileError naming what is wrong with the client
  return { token, record };
}

/** The tokens file's content for these records. */
export function apiTokensFileOf(records: readonly ApiClientRecord[]): Static<typeof ApiTokensFileSchema> {
  const file = { format: API_TOKENS_FORMAT, clients: [...records] } satisfies Static<typeof ApiTokensFileSchema>;
  const problems = [...schemaProblems(ApiTokensFileSchema, file), ...recordProblems(records)];
  if (problems.length > 0) throw new ApiTokensFileError('(tokens file)', problems);
  return file;
}

/**
 * What is wrong with `value` as a token's expiresAt, or null when it is a time the tokens file
 * takes (for tools that ask for one, such as `consortium-setup devnet --tokens-expire-at`).
 */
export function apiTokenExpiryProblem(value: string): string | null {
  if (!new RegExp(EXPIRES_AT_PATTERN).test(value)) return EXPIRES_AT_MESSAGE;
  return isCalendarTime(value) ? null : `${EXPIRES_AT_MESSAGE} (${value} is no such time)`;
}

/** A time the pattern let through that the calendar has (Date.parse takes 2026-02-30 as March 2nd). */
function isCalendarTime(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  return Number.isFinite(Date.parse(text)) && new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
}

/** Rules between fields and records that a schema does not say. */
function recordProblems(records: readonly ApiClientRecord[]): string[] {
  const problems: string[] = [];
  const clients = new Set<string>();
  const hashes = new Set<string>();
  for (const [i, record] of records.entries()) {
    if (record.role === 'operator' && record.member === undefined) problems.push(`clients.${i}.member: an operator must name the member it acts for`);
    if (record.role !== 'operator' && record.member !== undefined) problems.push(`clients.${i}.member: only an operator acts for a member (this client is ${record.role})`);
    if (clients.has(record.client)) problems.push(`clients.${i}.client: ${record.client} is listed twice`);
    if (hashes.has(record.sha256)) problems.push(`clients.${i}.sha256: the same token is listed twice`);
    if (record.expiresAt !== undefined && !isCalendarTime(record.expiresAt)) problems.push(`clients.${i}.expiresAt: ${EXPIRES_AT_MESSAGE} (${record.expiresAt} is no such time)`);
    clients.add(record.client);
    hashes.add(record.sha256);
  }
  return problems;
}

/** Checks a tokens file's parsed content; throws ApiTokensFileError listing every problem. */
export function parseApiTokens(raw: unknown, file: string): ApiClientRecord[] {
  const problems = schemaProblems(ApiTokensFileSchema, raw);
  if (problems.length > 0) throw new ApiTokensFileError(file, problems);
  const { clients } = raw as Static<typeof ApiTokensFileSchema>;
  const relational = recordProblems(clients);
  if (relational.length > 0) throw new ApiTokensFileError(file, relational);
  return clients;
}

export async function loadApiTokens(file: string): Promise<ApiClientRecord[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ApiTokensFileError(file, [`cannot be read as JSON: ${(error as Error).message}`]);
  }
  return parseApiTokens(raw, file);
}

/** Whether a client's token has expired at `nowMs` (a client without `expiresAt` never does). */
export function isApiClientExpired(client: Pick<ApiClient, 'expiresAt'>, nowMs: number): boolean {
  return client.expiresAt !== undefined && Date.parse(client.expiresAt) <= nowMs;
}

/**
 * The client a presented token belongs to, or null (an expired client too: the caller decides,
 * with isApiClientExpired, so it can tell the client why). Compares the token's hash with every
 * stored hash in constant time and visits every record whatever matches, so the answer's timing
 * says nothing about which or how many hashes share a prefix with the guess.
 */
export function findApiClient(records: readonly ApiClientRecord[], token: string): ApiClient | null {
  const presented = Buffer.from(hashApiToken(token), 'hex');
  let found: ApiClientRecord | null = null;
  for (const record of records) {
    if (timingSafeEqual(presented, Buffer.from(record.sha256, 'hex')) && found === null) found = record;
  }
  if (found === null) return null;
  const { sha256: _hash, ...client } = found;
  return client;
}
