import { loadApiTokens, type ApiClientRecord } from '@consortium/node-config';
import type { ApiMetrics, Logger } from '@consortium/telemetry';
import type { NodeConfig } from './config.js';
import { refuseOpenFile, TOKENS_FILE_OPEN_BITS } from './file-modes.js';
import type { ApiClients } from './http/api-clients.js';
import { ForeignOperatorTokenError } from './start-error.js';

/** What of node.json the tokens file's checks read. */
export interface TokensConfig {
  readonly memberId: NodeConfig['memberId'];
  readonly http: Pick<NodeConfig['http'], 'tokensFile'>;
}

/**
 * The API's clients from node.json's tokens file, at start and again on SIGHUP. Without a file
 * only the public endpoints answer (from loopback). The same checks run both times, so a reload
 * never takes a file a start would refuse:
 *
 * - the file is not writable by group or others (FileModeError: whoever writes it may add an admin);
 * - it parses as consortium-api-tokens/1 (ApiTokensFileError lists every problem);
 * - an operator acts for this node's member only (ForeignOperatorTokenError): the node signs,
 *   submits and reads private data as its own member, so an operator token of another member
 *   would act as this one. Routes compare `:member` with the token, not with the node.
 */
export async function loadApiClients(config: TokensConfig): Promise<readonly ApiClientRecord[]> {
  const file = config.http.tokensFile;
  if (file === undefined) return [];
  await refuseOpenFile(file, 'the API tokens file', TOKENS_FILE_OPEN_BITS);
  const records = await loadApiTokens(file);
  const foreign = records.flatMap((record, index) => (record.role === 'operator' && record.member !== config.memberId ? [{ index, client: record.client, member: record.member ?? '' }] : []));
  if (foreign.length > 0) throw new ForeignOperatorTokenError(file, config.memberId, foreign);
  return records;
}

export type TokensReloadOutcome = 'applied' | 'refused' | 'no_tokens_file';

export interface TokensReloadDeps {
  readonly config: TokensConfig;
  readonly clients: ApiClients;
  readonly logger: Logger;
  readonly metrics: Pick<ApiMetrics, 'tokensReloadsTotal'> | null;
}

/**
 * Reads the tokens file again and, if a start would take it, replaces the clients at once
 * (requests see the old set or the new, never a mix); otherwise keeps the set it had, logs why
 * and counts it (`consortium_api_tokens_reloads_total{outcome="refused"}`). The log names the
 * clients added, removed and changed, never a token or its hash.
 */
export async function reloadApiClients({ config, clients, logger, metrics }: TokensReloadDeps): Promise<TokensReloadOutcome> {
  const file = config.http.tokensFile;
  if (file === undefined) {
    logger.info('SIGHUP: node.json names no API tokens file (http.tokensFile): nothing to reload');
    return 'no_tokens_file';
  }
  let records: readonly ApiClientRecord[];
  try {
    records = await loadApiClients(config);
  } catch (error) {
    metrics?.tokensReloadsTotal.inc({ outcome: 'refused' });
    logger.error({ err: error, file, clients: clients.records.length }, 'API tokens file refused on reload: the node keeps the tokens it had');
    return 'refused';
  }
  const change = clients.replace(records);
  metrics?.tokensReloadsTotal.inc({ outcome: 'applied' });
  const expired = clients.expiredClients();
  logger.info(
    { file, clients: records.length, added: change.added.length, removed: change.removed.length, changed: change.changed.length, addedClients: change.added, removedClients: change.removed, changedClients: change.changed, expiredClients: expired },
    'API tokens reloaded',
  );
  if (records.length === 0) logger.warn({ file }, 'the API tokens file lists no client: only the public endpoints answer, and only from loopback');
  return 'applied';
}

/** The signal that reloads the tokens file: a daemon's "read your configuration again" (sshd, nginx, HAProxy). */
export const TOKENS_RELOAD_SIGNAL = 'SIGHUP';

/**
 * Reloads the tokens file on every SIGHUP on `target` (the process), one reload at a time (a
 * second signal during a reload reloads again after it, so the file read last wins). Returns
 * the function that stops listening. While it listens, SIGHUP no longer ends the process (its
 * default): a node whose terminal closes keeps running.
 */
export function reloadApiClientsOnSignal(target: Pick<NodeJS.Process, 'on' | 'off'>, deps: TokensReloadDeps): { readonly close: () => void; readonly reloads: () => Promise<unknown> } {
  let queue: Promise<unknown> = Promise.resolve();
  const onSignal = () => {
    deps.logger.info({ signal: TOKENS_RELOAD_SIGNAL }, 'reloading the API tokens file');
    // reloadApiClients catches what the file does wrong; anything else is logged, never thrown into the signal handler.
    queue = queue.then(() => reloadApiClients(deps)).catch((error: unknown) => deps.logger.error({ err: error }, 'reloading the API tokens file failed: the node keeps the tokens it had'));
  };
  target.on(TOKENS_RELOAD_SIGNAL, onSignal);
  return { close: () => target.off(TOKENS_RELOAD_SIGNAL, onSignal), reloads: () => queue };
}
