import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { circuitDefinition } from '@consortium/circuits';
import { checkStatement, type Check } from './checks.js';
import { NodeAnswerError, UsageError } from './errors.js';
import { readVerificationKey } from './keys-folder.js';
import { NodeApi } from './node-api.js';
import { checkLine, exitCodeOf, statementHeadline, verdict } from './report.js';
import type { BatchRecords, StatementFacts } from './views.js';

/**
 * verify-statement's steps: fetch the statement, its batch and the key epochs; read the pinned
 * verification key from the keys folder; fetch the raw records as the token's member (the
 * statement's creditor or debtor); run the offline checks (checks.ts) and print them.
 */

export interface VerifyStatementOptions {
  readonly node: string;
  /** A token file's path, or the token itself. */
  readonly token: string;
  readonly statement: string;
  readonly keys: string;
  /** The token's member, when known; otherwise the creditor is tried, then the debtor. */
  readonly member?: string;
  readonly timeoutMs: number;
}

/** Most bytes of a token file (a token is some 50 characters). */
const TOKEN_FILE_MAX_BYTES = 4096;

/** The token: the file's content (trimmed) when `value` names a file, else `value` itself. */
export async function readToken(value: string): Promise<string> {
  if (!existsSync(value)) return value.trim();
  const text = await readFile(value, 'utf8');
  if (Buffer.byteLength(text) > TOKEN_FILE_MAX_BYTES) throw new UsageError(`${value} is ${Buffer.byteLength(text)} bytes: not a token file`);
  const token = text.trim();
  if (token === '') throw new UsageError(`${value} is empty: pass a token file of .devnet/<member>/tokens/`);
  return token;
}

/** The records as the token's member holds them, or the failed check saying why there are none. */
async function fetchRecords(api: NodeApi, statement: StatementFacts, member: string | undefined): Promise<BatchRecords | Check> {
  const candidates = member === undefined ? [statement.creditor, statement.debtor] : [member];
  const refusals: string[] = [];
  for (const candidate of candidates) {
    try {
      return await api.records(candidate, statement.batchId);
    } catch (error) {
      if (!(error instanceof NodeAnswerError) || (error.status !== 403 && error.status !== 404)) throw error;
      refusals.push(`as ${candidate}: ${error.status} ${error.error}`);
      // 404: this member's node has no records of the batch (a debtor's, before they arrive)
      if (error.status === 404) break;
    }
  }
  return { name: 'records', passed: false, detail: `the raw records could not be read (${refusals.join('; ')}): the creditor's node has them, the debtor's once received` };
}

export async function verifyStatement(options: VerifyStatementOptions, print: (line: string) => void): Promise<0 | 1> {
  const api = new NodeApi({ url: options.node, token: await readToken(options.token), timeoutMs: options.timeoutMs });
  const statement = await api.statement(options.statement);
  print(statementHeadline(statement));
  const [batch, keyEpochs, agreements, verificationKey] = await Promise.all([
    api.batch(statement.batchId),
    api.keyEpochs(),
    api.agreements(statement.creditor),
    readVerificationKey(options.keys, statement.epoch, statement.circuit),
  ]);
  const batchSize = circuitDefinition(statement.circuit).params.batchSize;
  const records = await fetchRecords(api, statement, options.member);
  const fetched = 'salt' in records ? records : null;
  const checks = await checkStatement({ statement, batch, keyEpochs, agreements, verificationKey, batchSize, records: fetched });
  if (fetched === null) checks.push(records as Check);
  for (const check of checks) print(checkLine(check));
  print(verdict(checks));
  return exitCodeOf(checks);
}
