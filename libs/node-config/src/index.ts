/**
 * @consortium/node-config: the node configuration's one home. apps/node reads node.json with
 * it and apps/setup-cli writes node.json for a devnet with its type; apps may not import each
 * other, so the shape lives in this library (CometBFT keeps its `config` package apart from
 * `node` for the same reason).
 */

// node.json: the schema (for tools that validate or document it), its types, the loader.
export {
  NodeJsonSchema,
  HttpSchema,
  TlsSchema,
  RateLimitsSchema,
  API_ROLES,
  ANONYMOUS,
  DEFAULT_SNAPSHOT_INTERVAL_BLOCKS,
  DEFAULT_BODY_LIMIT_BYTES,
  MAX_BODY_LIMIT_BYTES,
  DEFAULT_SECURITY_LOG_FILE,
  DEFAULT_RATE_LIMIT_WINDOW_MS,
  DEFAULT_RATE_LIMITS,
  DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
} from './schema.js';
export type { NodeJson, NodeConfig, TlsConfig, RateLimitsConfig, ApiRole, RateLimitedRole } from './schema.js';
export { parseNodeConfig, loadNodeConfig, NodeConfigError } from './node-config.js';

// API credentials: issue a token (setup-cli's devnet, an operator's script), read the tokens file, authenticate (the node).
export {
  API_TOKENS_FORMAT,
  API_TOKEN_PREFIX,
  ApiTokensFileSchema,
  ApiTokensFileError,
  issueApiToken,
  hashApiToken,
  apiTokensFileOf,
  parseApiTokens,
  loadApiTokens,
  findApiClient,
  isApiClientExpired,
  apiTokenExpiryProblem,
} from './api-tokens.js';
export type { ApiClient, ApiClientRecord } from './api-tokens.js';
// A member node's operator, observer and admin tokens written at once (devnets, first installs).
export { writeMemberApiTokens, MEMBER_TOKENS_FILE, MEMBER_TOKEN_DIR } from './member-tokens.js';
export type { MemberApiTokens, MemberApiTokensOptions } from './member-tokens.js';

// Field-by-field problems of a value against any schema annotated with explained() (the API's route schemas use it too).
export { schemaProblems, explained } from './problems.js';
