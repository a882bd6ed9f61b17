import { basename } from 'node:path';
import { GenesisValidationError, isDiskFull, LastSignedRecordError, StoreCorruptionError, StoreDamagedError, StoreLockedError, WalReplayError } from '@consortium/consensus';
import { ApiTokensFileError } from '@consortium/node-config';
import { ArtifactError } from '@consortium/zkp';
import { NodeConfigError } from './config.js';
import { EXIT_CODES } from './fatal.js';

/** Why a node refuses to start: a configuration, key or genesis problem named for the operator. */
export class NodeStartError extends Error {
  override readonly name: string = 'NodeStartError';
}

/** An address the node must listen on is taken by another process. */
export class PortInUseError extends NodeStartError {
  override readonly name = 'PortInUseError';
  constructor(
    readonly listener: 'p2p' | 'http',
    readonly address: string,
    options?: ErrorOptions,
  ) {
    super(`the ${listener} address ${address} is in use by another process`, options);
  }
}

/**
 * A key file or the tokens file others on the host may read or change (OpenSSH refuses a
 * private key others can read, and sshd an authorized_keys others can write): the node does not
 * start, and says the chmod that fixes it.
 */
export class FileModeError extends NodeStartError {
  override readonly name = 'FileModeError';
  constructor(
    readonly file: string,
    /** What the file is: "the node key", "the API tokens file"... */
    readonly what: string,
    /** The file's permission bits. */
    readonly mode: number,
    /** The chmod that fixes it, e.g. `chmod 600 <file>`. */
    readonly fix: string,
  ) {
    super(`${file} (${what}) has mode ${mode.toString(8).padStart(4, '0')}: ${describeOpenBits(mode)}; run: ${fix}`);
  }
}

/** "its group may read it, others may read and write it": who may do what, from the permission bits. */
function describeOpenBits(mode: number): string {
  const rights = (bits: number) => [bits & 4 ? 'read' : '', bits & 2 ? 'write' : '', bits & 1 ? 'execute' : ''].filter((right) => right !== '').join(' and ');
  const group = rights((mode >> 3) & 7);
  const others = rights(mode & 7);
  return [group === '' ? '' : `its group may ${group} it`, others === '' ? '' : `others may ${others} it`].filter((part) => part !== '').join(', ');
}

/**
 * The tokens file gives an operator token for a member other than the node's own: the node acts
 * (signs, submits, reads private data) as its own member only, so such a token would act as
 * this node's member. Named by entry, so the operator knows which lines to remove.
 */
export class ForeignOperatorTokenError extends NodeStartError {
  override readonly name = 'ForeignOperatorTokenError';
  constructor(
    readonly file: string,
    readonly memberId: string,
    /** The offending entries: their index in `clients`, client id and member. */
    readonly entries: readonly { readonly index: number; readonly client: string; readonly member: string }[],
  ) {
    const listed = entries.map(({ index, client, member }) => `clients.${index} (${client}) is an operator of ${member}`).join('; ');
    super(
      `${file}: ${listed}, but this node acts for ${memberId} only, so the token would act as ${memberId}. ` +
        `Remove the entry (${entries[0]!.member}'s operators use ${entries[0]!.member}'s own node), or make it an observer or an operator of ${memberId}`,
    );
  }
}

/** What a failed start means for the operator: the exit code, and what to do next. */
export interface StartFailure {
  readonly exitCode: number;
  readonly advice: string;
}

/** The causes of `error`, itself first (bounded: a cause chain is short; a cycle must not loop). */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current !== undefined && current !== null && chain.length < 8; current = (current as { cause?: unknown }).cause) chain.push(current);
  return chain;
}

/** True when `error` or one of its causes is a listener's "address in use" (EADDRINUSE). */
export function isAddressInUse(error: unknown): boolean {
  return causes(error).some((item) => {
    const nested = item instanceof AggregateError ? item.errors : [item];
    return nested.some((inner) => (inner as { code?: unknown }).code === 'EADDRINUSE' || (inner instanceof Error && /\bEADDRINUSE\b/.test(inner.message)));
  });
}

/**
 * The exit code and the next step for a start failure, by error class (documented in the
 * README's table). Anything unlisted exits 1 with the error's name and message.
 */
export function describeStartFailure(error: unknown, configFile = '<node.json>'): StartFailure {
  const chain = causes(error);
  const has = (kind: abstract new (...args: never[]) => Error) => chain.some((item) => item instanceof kind);
  const locked = chain.find((item): item is StoreLockedError => item instanceof StoreLockedError);
  if (locked !== undefined) {
    return {
      exitCode: EXIT_CODES.dataDirLocked,
      advice: `Another process holds ${locked.directory}: stop the other node running on this data directory (or give this node a dataDir of its own), then start again.`,
    };
  }
  // Before damage: LevelDB reports a full disk as an I/O error, and nothing is damaged.
  if (isDiskFull(error)) {
    return { exitCode: EXIT_CODES.diskFull, advice: 'The disk holding the data directory is full. Free space on it (or move dataDir to a larger disk), then start the node again: nothing was lost.' };
  }
  const damaged = chain.find((item): item is StoreDamagedError => item instanceof StoreDamagedError);
  if (damaged !== undefined && basename(damaged.directory) === 'private') {
    return {
      exitCode: EXIT_CODES.dataDirDamaged,
      advice:
        `The private settlement store ${damaged.directory} is damaged: its usage records and rates exist only here and at each counterparty, not on the chain. ` +
        'Restore that folder from a backup (docs/operations.md, "Back up and restore a node"), then start again.',
    };
  }
  if (damaged !== undefined || has(StoreCorruptionError) || has(WalReplayError) || has(LastSignedRecordError)) {
    return {
      exitCode: EXIT_CODES.dataDirDamaged,
      advice:
        `The node's chain store is damaged. Restore it from a backup (consortium-node restore --config ${configFile} --from <backup>), ` +
        `or rebuild it from the other members: consortium-node resync --config ${configFile} keeps the signer's record and acknowledged transactions, ` +
        'moves the damaged store aside, and the node fetches the chain by block sync when it starts. Never just delete the store: the node would forget what it signed.',
    };
  }
  const port = chain.find((item): item is PortInUseError => item instanceof PortInUseError);
  if (port !== undefined) {
    const field = port.listener === 'p2p' ? 'p2p.listen' : 'http.host / http.port';
    return { exitCode: EXIT_CODES.portInUse, advice: `Stop what listens on ${port.address}, or change ${field} in node.json.` };
  }
  if (has(ArtifactError) || chain.some((item) => item instanceof Error && item.name === 'ProofKeysNotPinnedError')) {
    return {
      exitCode: EXIT_CODES.artifactsMismatch,
      advice: "The keys folder (keysDir) does not match what genesis pins: use this chain's ceremony keys, or the genesis that pins the keys you have.",
    };
  }
  const mode = chain.find((item): item is FileModeError => item instanceof FileModeError);
  if (mode !== undefined) {
    return { exitCode: EXIT_CODES.badConfig, advice: `Make ${mode.file} private to the node's user (${mode.fix}), then start again; if others could read a key, consider it leaked and replace it.` };
  }
  if (has(ForeignOperatorTokenError) || has(ApiTokensFileError)) {
    return { exitCode: EXIT_CODES.badConfig, advice: 'Fix the API tokens file (node.json http.tokensFile): each problem above names its entry. The node acts for its own member only.' };
  }
  if (has(NodeConfigError) || has(GenesisValidationError)) {
    return { exitCode: EXIT_CODES.badConfig, advice: 'Fix the configuration: each problem above names its file and field. `consortium-setup devnet --out <dir>` writes a working set.' };
  }
  return { exitCode: EXIT_CODES.startFailed, advice: 'Check the configuration file and the key files it names; `consortium-setup devnet --out <dir>` writes a working set.' };
}
