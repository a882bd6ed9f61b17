import { GenesisValidationError, LastSignedRecordError, StoreCorruptionError, StoreDamagedError, StoreDiskFullError, StoreLockedError, WalReplayError } from '@consortium/consensus';
import { MissingArtifactError } from '@consortium/zkp';
import { describe, expect, it } from 'vitest';
import { NodeConfigError } from '../../src/config.js';
import { EXIT_CODES } from '../../src/fatal.js';
import { ProofKeysNotPinnedError } from '../../src/proof-keys.js';
import { describeStartFailure, isAddressInUse, NodeStartError, PortInUseError } from '../../src/start-error.js';

/** Each start failure an operator can act on has its exit code and its next step, found by class (also as a cause). */
describe('start failures', () => {
  const inUse = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:7000'), { code: 'EADDRINUSE' });

  it.each([
    ['a bad node.json', new NodeConfigError('node.json', ['http.port: must be a port from 0 to 65535']), EXIT_CODES.badConfig, /Fix the configuration/],
    ['a bad genesis', new GenesisValidationError(['chainId: bad']), EXIT_CODES.badConfig, /Fix the configuration/],
    ['a locked data dir', new StoreLockedError('/data/chain'), EXIT_CODES.dataDirLocked, /Another process holds \/data\/chain: stop the other node/],
    ['damaged LevelDB files', new StoreDamagedError('/data/chain', 'Corruption: bad manifest'), EXIT_CODES.dataDirDamaged, /consortium-node resync --config node\.json keeps the signer's record/],
    ['a damaged stored value', new StoreCorruptionError('blocks', '00', 'checksum'), EXIT_CODES.dataDirDamaged, /consortium-node restore --config node\.json --from <backup>/],
    ['a WAL that cannot be replayed', new WalReplayError(4, { cause: new Error('bad entry') }), EXIT_CODES.dataDirDamaged, /consortium-node resync --config node\.json/],
    ["an unreadable signer's record", new LastSignedRecordError('checksum'), EXIT_CODES.dataDirDamaged, /consortium-node resync --config node\.json/],
    ['a damaged private settlement store', new StoreDamagedError('/data/private', 'Corruption: bad manifest'), EXIT_CODES.dataDirDamaged, /private settlement store \/data\/private is damaged.*Restore that folder from a backup/],
    ['a full disk at open', new StoreDiskFullError('/data/chain', { cause: new Error('IO error: /data/chain/000005.log: No space left on device') }), EXIT_CODES.diskFull, /disk holding the data directory is full/],
    ['a full disk met by a write', new Error('start failed', { cause: Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }) }), EXIT_CODES.diskFull, /Free space on it/],
    ['a busy p2p port', new PortInUseError('p2p', '/ip4/127.0.0.1/tcp/7000', { cause: inUse }), EXIT_CODES.portInUse, /change p2p\.listen in node\.json/],
    ['a busy HTTP port', new PortInUseError('http', '127.0.0.1:8080', { cause: inUse }), EXIT_CODES.portInUse, /change http\.host \/ http\.port in node\.json/],
    ['keys that differ from their pins', new NodeStartError('refusing to start', { cause: new MissingArtifactError('/keys/x.zkey') }), EXIT_CODES.artifactsMismatch, /does not match what genesis pins/],
    ['no keys pinned for a chain with proofs', new ProofKeysNotPinnedError(), EXIT_CODES.artifactsMismatch, /does not match what genesis pins/],
    ['anything else', new NodeStartError('member X is not in genesis'), EXIT_CODES.startFailed, /Check the configuration file/],
  ])('%s', (_what, error, exitCode, advice) => {
    const failure = describeStartFailure(error, 'node.json');
    expect(failure.exitCode).toBe(exitCode);
    expect(failure.advice).toMatch(advice);
  });

  it('finds the class among the causes: a store error wrapped by the start', () => {
    expect(describeStartFailure(new Error('start failed', { cause: new StoreLockedError('/d') })).exitCode).toBe(EXIT_CODES.dataDirLocked);
  });

  it('recognises an address in use by its code, in a cause or an AggregateError', () => {
    expect(isAddressInUse(inUse)).toBe(true);
    expect(isAddressInUse(new Error('listen failed', { cause: inUse }))).toBe(true);
    expect(isAddressInUse(new AggregateError([new Error('other'), inUse]))).toBe(true);
    expect(isAddressInUse(new Error('EACCES'))).toBe(false);
  });
});
