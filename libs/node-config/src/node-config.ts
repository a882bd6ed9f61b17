import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { schemaProblems } from './problems.js';
import {
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_RATE_LIMIT_WINDOW_MS,
  DEFAULT_RATE_LIMITS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
  DEFAULT_SECURITY_LOG_FILE,
  DEFAULT_SNAPSHOT_INTERVAL_BLOCKS,
  DEFAULT_PROVER_WORKERS,
  NodeJsonSchema,
  type NodeConfig,
  type NodeJson,
} from './schema.js';

/**
 * The node's configuration file (node.json, written by `consortium-setup devnet` or by an
 * operator). Paths are relative to the file's folder. Every problem is reported at once with
 * its field, so a hand-edited file is fixed in one pass.
 */

export class NodeConfigError extends Error {
  override readonly name = 'NodeConfigError';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file} is not a valid node configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Checks `raw` (node.json's parsed content) and returns it with absolute paths and defaults; throws NodeConfigError listing every problem. */
export function parseNodeConfig(raw: unknown, file: string): NodeConfig {
  const problems = schemaProblems(NodeJsonSchema, raw);
  if (problems.length === 0) problems.push(...crossFieldProblems(raw as NodeJson));
  if (problems.length > 0) throw new NodeConfigError(file, problems);
  const json = raw as NodeJson;
  const base = dirname(resolve(file));
  const path = (value: string) => (isAbsolute(value) ? value : resolve(base, value));
  const dataDir = path(json.dataDir);
  const { tls, rateLimits, tokensFile } = json.http;
  return {
    memberId: json.memberId,
    genesisFile: path(json.genesisFile),
    ...(json.validatorKeyFile === undefined ? {} : { validatorKeyFile: path(json.validatorKeyFile) }),
    ...(json.validatorKeyPkcs11Uri === undefined ? {} : { validatorKeyPkcs11Uri: json.validatorKeyPkcs11Uri }),
    ...(json.provingKeySealPkcs11Uri === undefined ? {} : { provingKeySealPkcs11Uri: json.provingKeySealPkcs11Uri }),
    nodeKeyFile: path(json.nodeKeyFile),
    dataDir,
    ...(json.keysDir === undefined ? {} : { keysDir: path(json.keysDir) }),
    ...(json.epochKeysDirs === undefined ? {} : { epochKeysDirs: Object.fromEntries(Object.entries(json.epochKeysDirs).map(([epoch, dir]) => [epoch, path(dir)])) }),
    p2p: { listen: json.p2p.listen, peers: json.p2p.peers ?? {} },
    http: {
      host: json.http.host,
      port: json.http.port,
      ...(tokensFile === undefined ? {} : { tokensFile: path(tokensFile) }),
      ...(tls === undefined
        ? {}
        : {
            tls: {
              certFile: path(tls.certFile),
              keyFile: path(tls.keyFile),
              ...(tls.caFile === undefined ? {} : { caFile: path(tls.caFile) }),
              requireClientCert: tls.requireClientCert ?? false,
            },
          }),
      bodyLimitBytes: json.http.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
      maxConnectionsPerAddress: json.http.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
      requestTimeoutMs: json.http.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      // Node requires the headers' timeout to be at most the request's.
      headersTimeoutMs: Math.min(json.http.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS, json.http.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS),
      rateLimits: {
        windowMs: rateLimits?.windowMs ?? DEFAULT_RATE_LIMIT_WINDOW_MS,
        perRole: { ...DEFAULT_RATE_LIMITS, ...rateLimits?.perRole },
        perRoute: rateLimits?.perRoute ?? {},
      },
    },
    snapshotIntervalBlocks: json.snapshotIntervalBlocks ?? DEFAULT_SNAPSHOT_INTERVAL_BLOCKS,
    proverWorkers: json.proverWorkers ?? DEFAULT_PROVER_WORKERS,
    // The default sits beside the chain data: one folder to back up and to inspect after an incident.
    securityLogFile: json.securityLogFile === undefined ? join(dataDir, DEFAULT_SECURITY_LOG_FILE) : path(json.securityLogFile),
  };
}

/** Rules between fields that a schema does not say. */
function crossFieldProblems(json: NodeJson): string[] {
  const problems: string[] = [];
  if ((json.validatorKeyFile === undefined) === (json.validatorKeyPkcs11Uri === undefined)) {
    problems.push('validatorKeyFile: give the validator key once: validatorKeyFile (a key file) or validatorKeyPkcs11Uri (a key held in an HSM)');
  }
  if (json.http.tls?.requireClientCert === true && json.http.tls.caFile === undefined) {
    problems.push('http.tls.caFile: is required with requireClientCert (the CA client certificates must chain to)');
  }
  return problems;
}

/** Reads and checks node.json; a missing file, bad JSON or bad field is a NodeConfigError. */
export async function loadNodeConfig(file: string): Promise<NodeConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new NodeConfigError(file, [`cannot be read: ${(error as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new NodeConfigError(file, [`is not JSON: ${(error as Error).message}`]);
  }
  return parseNodeConfig(raw, file);
}
