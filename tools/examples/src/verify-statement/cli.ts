#!/usr/bin/env node
// consortium-verify-statement: checks one settlement statement offline (proof, key pin, batch,
// records) and prints each check. Exit 0: every check passed; 1: a check failed; 2: it could not
// check (options, connection, token, keys folder), with what to do.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { verifyStatement } from './verify.js';

const DEFAULT_TIMEOUT_MS = 10_000;

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed <= 0) throw new InvalidArgumentError('must be a positive integer');
  return parsed;
}

function program(): Command {
  return new Command('consortium-verify-statement')
    .description("Verify a settlement statement offline: its Groth16 proof under the chain's pinned key, its public inputs against the on-chain batch, and (with the creditor's or debtor's operator token) the raw records against the batch's digest and commitment.")
    .requiredOption('--node <url>', "the node's API URL (apiUrl in .devnet/endpoints.json), e.g. http://127.0.0.1:26700")
    .requiredOption('--token <file|value>', "a token file (e.g. .devnet/Orange-FR/tokens/operator.token) or the token; the creditor's or debtor's operator token sees the proof and records")
    .requiredOption('--statement <id>', "the statement's id (hex; GET /v1/statements lists them)")
    .requiredOption('--keys <folder>', "the node's keys folder with keys-manifest.json (npm start's: .devnet/keys); its verification key must match the chain's pin")
    .option('--member <id>', "the token's member, to read the records as (default: the statement's creditor, then its debtor)")
    .option('--timeout-ms <ms>', 'per request to the node', positiveInteger, DEFAULT_TIMEOUT_MS)
    .exitOverride()
    .showHelpAfterError('(run with --help for the options)');
}

async function main(argv: readonly string[]): Promise<number> {
  const command = program();
  try {
    command.parse(argv, { from: 'node' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  const options = command.opts<{ node: string; token: string; statement: string; keys: string; member?: string; timeoutMs: number }>();
  try {
    return await verifyStatement(options, (line) => console.log(line));
  } catch (error) {
    console.error(`verify-statement: ${(error as Error).name}: ${(error as Error).message}`);
    return 2;
  }
}

process.exitCode = await main(process.argv);
