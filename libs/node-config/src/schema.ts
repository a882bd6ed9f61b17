import Type, { type Static } from 'typebox';
import { explained } from './problems.js';

/**
 * node.json as one TypeBox schema: the TypeScript type (`NodeJson`) and the validation come
 * from the same object, and fastify can serve the same JSON Schema. Each field carries
 * `errorMessage`: what the operator reads when the field is wrong (the validator's generic
 * "must be string" is right but does not say what the field is for).
 */


/** A snapshot every 100 blocks: at 10 blocks a second, a restart re-executes at most 10 s of blocks. */
export const DEFAULT_SNAPSHOT_INTERVAL_BLOCKS = 100;
/** One proving thread per node: a devnet runs several nodes on one machine. */
export const DEFAULT_PROVER_WORKERS = 1;
/**
 * The largest request body: a 2,000-tx batch of the largest transactions genesis allows is
 * larger, but a batch that size is refused by count first; 8 MiB keeps a flood of bodies
 * within the process's memory.
 */
export const DEFAULT_BODY_LIMIT_BYTES = 8 * 1024 * 1024;
export const MAX_BODY_LIMIT_BYTES = 64 * 1024 * 1024;
/** The security log's file name under dataDir, unless node.json names another. */
export const DEFAULT_SECURITY_LOG_FILE = 'security.jsonl';

/** Roles of API clients (tokens file) and the implicit role of a request without a token. */
export const API_ROLES = ['observer', 'operator', 'admin'] as const;
export type ApiRole = (typeof API_ROLES)[number];
/** Requests without a token are limited under this name (keyed by IP address). */
export const ANONYMOUS = 'anonymous';
export type RateLimitedRole = ApiRole | typeof ANONYMOUS;

/**
 * Requests per window per client (or per IP for requests without a token). Observers poll;
 * operators submit batches and statements; the anonymous budget covers a Prometheus scrape and
 * health probes from loopback and nothing more.
 */
export const DEFAULT_RATE_LIMIT_WINDOW_MS = 60_000;
/**
 * Slow clients: fastify switches Node's request timeout off (0), which leaves a client that
 * trickles a body a socket for as long as it likes. The API's requests are small JSON documents
 * (a batch of 2,000 transactions is a few MiB): 30 s is generous even over a slow link.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
export const DEFAULT_RATE_LIMITS: Readonly<Record<RateLimitedRole, number>> = { anonymous: 300, observer: 1_200, operator: 6_000, admin: 6_000 };
/**
 * Open TCP connections one remote address may hold on the API: a client that opens hundreds of
 * idle connections would otherwise take the process's file descriptors from everyone. Clients
 * need few (a browser opens 6 per host, the API benchmark 16, a dashboard a handful plus its
 * event streams); 128 leaves room for several tools on one host, which all count as one
 * address (loopback, or a reverse proxy's).
 */
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 128;

const path = (what: string) => explained(Type.String({ minLength: 1 }), `must be a path${what}`);
const requestsPerWindow = explained(Type.Integer({ minimum: 1, maximum: 1_000_000 }), 'must be a whole number of requests from 1 to 1000000');
const multiaddrs = explained(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }), 'must list at least one multiaddr, e.g. /ip4/0.0.0.0/tcp/26600');

/** Per-role budgets; a route override names only the roles it changes. */
const RoleBudgets = Type.Object(
  {
    anonymous: Type.Optional(requestsPerWindow),
    observer: Type.Optional(requestsPerWindow),
    operator: Type.Optional(requestsPerWindow),
    admin: Type.Optional(requestsPerWindow),
  },
  { additionalProperties: false },
);

export const RateLimitsSchema = explained(
  Type.Object(
    {
      windowMs: Type.Optional(explained(Type.Integer({ minimum: 1_000, maximum: 3_600_000 }), 'must be a window from 1000 to 3600000 ms')),
      perRole: Type.Optional(explained(RoleBudgets, 'must map anonymous, observer, operator and admin to requests per window')),
      perRoute: Type.Optional(
        explained(
          Type.Record(Type.String({ pattern: '^(GET|POST|PUT|PATCH|DELETE) /' }), explained(RoleBudgets, 'must map roles to requests per window'), { additionalProperties: false }),
          'must map "METHOD /route/pattern" to per-role budgets, e.g. {"POST /v1/txs/batch": {"operator": 60}}',
        ),
      ),
    },
    { additionalProperties: false },
  ),
  'must be an object with windowMs, perRole and perRoute',
);

export const TlsSchema = explained(
  Type.Object(
    {
      certFile: path(' to the PEM certificate (chain) the API presents'),
      keyFile: path(' to the PEM private key of that certificate'),
      caFile: Type.Optional(path(' to the PEM CA certificates client certificates must chain to')),
      requireClientCert: Type.Optional(explained(Type.Boolean(), 'must be true or false')),
    },
    { additionalProperties: false },
  ),
  'must be an object with certFile and keyFile (and caFile, requireClientCert for mTLS)',
);

export const HttpSchema = explained(
  Type.Object(
    {
    host: explained(Type.String({ minLength: 1 }), 'must be an address to listen on, e.g. 127.0.0.1'),
    port: explained(Type.Integer({ minimum: 0, maximum: 65_535 }), 'must be a port from 0 to 65535'),
    tokensFile: Type.Optional(path(' to the API tokens file (consortium-api-tokens/1)')),
    tls: Type.Optional(TlsSchema),
    bodyLimitBytes: Type.Optional(explained(Type.Integer({ minimum: 1_024, maximum: MAX_BODY_LIMIT_BYTES }), `must be a size in bytes from 1024 to ${MAX_BODY_LIMIT_BYTES}`)),
    rateLimits: Type.Optional(RateLimitsSchema),
    /** A request (headers and body) must arrive within this; a slower client gets 408 and its socket closed. */
    requestTimeoutMs: Type.Optional(explained(Type.Integer({ minimum: 1_000, maximum: 600_000 }), 'must be a time in ms from 1000 to 600000')),
    /** The headers of a request must arrive within this (at most requestTimeoutMs): a client trickling headers holds no socket long. */
    headersTimeoutMs: Type.Optional(explained(Type.Integer({ minimum: 1_000, maximum: 600_000 }), 'must be a time in ms from 1000 to 600000')),
    /** Open connections one remote address may hold; the next is closed at once (default 128). */
    maxConnectionsPerAddress: Type.Optional(explained(Type.Integer({ minimum: 1, maximum: 100_000 }), 'must be a whole number of connections from 1 to 100000')),
    },
    { additionalProperties: false },
  ),
  'must be an object with host and port',
);

export const NodeJsonSchema = explained(
  Type.Object({
    memberId: explained(Type.String({ minLength: 1 }), "must name this node's member (as in genesis)"),
    genesisFile: path(''),
    /** The validator key as a file (validator-key.json); or, instead, validatorKeyPkcs11Uri. */
    validatorKeyFile: Type.Optional(path('')),
    /**
     * The validator key held in an HSM, as a PKCS#11 URI (RFC 7512: pkcs11:token=...;object=...?module-path=...&pin-source=file:...).
     * The key signs votes and this member's transactions inside the token and never leaves it.
     */
    validatorKeyPkcs11Uri: Type.Optional(explained(Type.String({ pattern: '^pkcs11:' }), 'must be a PKCS#11 URI (pkcs11:token=...;object=...?module-path=...&pin-source=file:...)')),
    nodeKeyFile: path(''),
    dataDir: path(''),
    p2p: explained(
      Type.Object({
        listen: multiaddrs,
        peers: Type.Optional(explained(Type.Record(Type.String(), explained(Type.Array(Type.String({ minLength: 1 })), 'must be a list of multiaddrs')), 'must map member ids to lists of multiaddrs')),
      }),
      'must be an object with listen and peers',
    ),
    http: HttpSchema,
    /** The trusted setup's keys folder; required when genesis pins artifacts. */
    keysDir: Type.Optional(path('')),
    /**
     * The AES key in an HSM that seals this node's proving keys (`<zkey>.sealed`, made by
     * `consortium-setup keys seal`), as a PKCS#11 URI: they are opened in the prover's memory
     * at start and never lie on disk in clear.
     */
    provingKeySealPkcs11Uri: Type.Optional(explained(Type.String({ pattern: '^pkcs11:' }), 'must be a PKCS#11 URI (pkcs11:token=...;object=...?module-path=...&pin-source=file:...)')),
    /**
     * The keys folders of key epochs registered on chain after genesis (register_key_epoch), by
     * epoch number: this node proves under such an epoch once it is in force. Each folder's
     * files are checked against the pins the chain holds. Verifying needs none of them: the
     * chain carries each epoch's verification keys.
     */
    epochKeysDirs: Type.Optional(
      explained(Type.Record(Type.String({ pattern: '^[1-9][0-9]{0,5}$' }), path(''), { additionalProperties: false }), 'must map key epoch numbers ("2") to keys folders'),
    ),
    snapshotIntervalBlocks: Type.Optional(explained(Type.Integer({ minimum: 1, maximum: 1_000_000 }), 'must be a whole number of blocks from 1 to 1000000')),
    /** The append-only security log (JSONL); default `<dataDir>/security.jsonl`. */
    securityLogFile: Type.Optional(path('')),
    /** Worker threads proving this member's statements; default 1 (a proof keeps one core busy for seconds). */
    proverWorkers: Type.Optional(explained(Type.Integer({ minimum: 1, maximum: 64 }), 'must be a whole number of worker threads from 1 to 64')),
  },
  // Unknown fields are refused: a misspelt "tls" or "tokensFile" must not silently leave the API
  // on plain HTTP or closed.
  { additionalProperties: false }),
  'the file must hold a JSON object',
);

/** node.json as written on disk (paths relative to the file, defaults left out). */
export type NodeJson = Static<typeof NodeJsonSchema>;
export type TlsConfig = Static<typeof TlsSchema>;
type RateLimitsJson = Static<typeof RateLimitsSchema>;

/** Rate limits with every default filled in. */
export interface RateLimitsConfig {
  readonly windowMs: number;
  readonly perRole: Readonly<Record<RateLimitedRole, number>>;
  readonly perRoute: Readonly<Record<string, NonNullable<RateLimitsJson['perRoute']>[string]>>;
}

/** node.json as the node uses it: absolute paths and every default filled in. */
export type NodeConfig = Omit<NodeJson, 'http' | 'snapshotIntervalBlocks' | 'securityLogFile' | 'p2p' | 'proverWorkers'> & {
  readonly p2p: { readonly listen: readonly string[]; readonly peers: Readonly<Record<string, readonly string[]>> };
  readonly http: Omit<NodeJson['http'], 'bodyLimitBytes' | 'rateLimits' | 'requestTimeoutMs' | 'headersTimeoutMs' | 'maxConnectionsPerAddress'> & {
    readonly bodyLimitBytes: number;
    readonly maxConnectionsPerAddress: number;
    readonly rateLimits: RateLimitsConfig;
    readonly requestTimeoutMs: number;
    readonly headersTimeoutMs: number;
  };
  /**
   * Snapshot the application every this many blocks (default 100). A snapshot costs O(state);
   * a restart restores the newest one and re-executes the blocks after it.
   */
  readonly snapshotIntervalBlocks: number;
  readonly securityLogFile: string;
  readonly proverWorkers: number;
};
