import { chmod, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONSENSUS_PARAMS } from '@consortium/consensus';
import { loadApiTokens, loadNodeConfig, type NodeConfig } from '@consortium/node-config';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadApiClients } from '../../src/api-tokens-file.js';
import { EXIT_CODES } from '../../src/fatal.js';
import { startNode } from '../../src/node.js';
import { describeStartFailure, FileModeError, ForeignOperatorTokenError, NodeStartError } from '../../src/start-error.js';
import { writeConsortium, type ConsortiumFiles } from '../support/consortium-files.js';
import { SILENT_LOG } from '../support/single-member.js';

/**
 * What a node checks in its files before it opens anything (no store, no port, no telemetry):
 * its node key against genesis, its tokens file against its own member, and that no key file
 * is open to other users of the host. Each refusal is a named error with its exit code and the
 * next step; a real node process prints them (test/e2e/start-errors.test.ts shows the printing).
 */

let root: string;
let consortium: ConsortiumFiles;
/** Orange-FR's node, one of three members: its files are restored before each test. */
let configFile: string;
let config: NodeConfig;
const pristine = new Map<string, string>();
const FILES = ['node-key.json', 'validator-key.json', 'api-tokens.json'];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'start-checks-'));
  consortium = await writeConsortium(root, 3, DEFAULT_CONSENSUS_PARAMS);
  configFile = consortium.configFile('Orange-FR');
  config = await loadNodeConfig(configFile);
  for (const file of FILES) pristine.set(file, await readFile(join(root, 'Orange-FR', file), 'utf8'));
});
beforeEach(async () => {
  for (const file of FILES) {
    await writeFile(join(root, 'Orange-FR', file), pristine.get(file)!);
    await chmod(join(root, 'Orange-FR', file), 0o600);
  }
});
afterAll(async () => rm(root, { recursive: true, force: true }));

async function refusedStart(): Promise<Error> {
  const error = await startNode(config, { logDestination: SILENT_LOG, signals: null }).then(
    async (node) => {
      await node.stop();
      throw new Error('the node started');
    },
    (caught: unknown) => caught as Error,
  );
  expect(error).toBeInstanceOf(Error);
  return error;
}

describe('a node checks its files before it starts', () => {
  it("refuses a node key whose peer id is not the one genesis lists for its member (another member's key), naming both", async () => {
    await copyFile(join(root, 'T-Mobile-DE', 'node-key.json'), join(root, 'Orange-FR', 'node-key.json'));
    const orange = consortium.genesis.members.find((member) => member.id === 'Orange-FR')!;
    const tmobile = consortium.genesis.members.find((member) => member.id === 'T-Mobile-DE')!;
    const error = await refusedStart();
    expect(error).toBeInstanceOf(NodeStartError);
    expect(error.message).toBe(`${config.nodeKeyFile} has peer id ${tmobile.peerId}, genesis lists ${orange.peerId} for Orange-FR`);
    expect(describeStartFailure(error).exitCode).toBe(EXIT_CODES.startFailed);
  });

  it("refuses a tokens file with an operator token of another member, naming the entry and what to do: exit 10", async () => {
    // The likely mistake: another member's tokens merged into this node's file.
    const tmobileOperator = (await loadApiTokens(join(root, 'T-Mobile-DE', 'api-tokens.json'))).find((record) => record.role === 'operator')!;
    const own = await loadApiTokens(config.http.tokensFile!);
    await writeFile(config.http.tokensFile!, JSON.stringify({ format: 'consortium-api-tokens/1', clients: [...own, tmobileOperator] }));
    const error = await refusedStart();
    expect(error).toBeInstanceOf(ForeignOperatorTokenError);
    expect(error.message).toBe(
      `${config.http.tokensFile!}: clients.3 (T-Mobile-DE-operator) is an operator of T-Mobile-DE, but this node acts for Orange-FR only, so the token would act as Orange-FR. ` +
        "Remove the entry (T-Mobile-DE's operators use T-Mobile-DE's own node), or make it an observer or an operator of Orange-FR",
    );
    const { exitCode, advice } = describeStartFailure(error);
    expect(exitCode).toBe(EXIT_CODES.badConfig);
    expect(advice).toContain('Fix the API tokens file');
    // Its own operator, observer and admin are what the file held before: taken.
    await writeFile(config.http.tokensFile!, JSON.stringify({ format: 'consortium-api-tokens/1', clients: own }));
    expect(await loadApiClients(config)).toEqual(own);
  });

  it('refuses a key file its group or others may read, naming the file and the chmod to run: exit 10', async () => {
    for (const [file, mode, who] of [
      [config.nodeKeyFile, 0o644, 'its group may read it, others may read it'],
      [config.validatorKeyFile!, 0o640, 'its group may read it'],
      [config.validatorKeyFile!, 0o602, 'others may write it'],
    ] as const) {
      await chmod(file, mode);
      const error = await refusedStart();
      expect(error).toBeInstanceOf(FileModeError);
      expect(error.message).toBe(`${file} (the ${file === config.nodeKeyFile ? 'node' : 'validator'} key) has mode ${mode.toString(8).padStart(4, '0')}: ${who}; run: chmod 600 ${file}`);
      const { exitCode, advice } = describeStartFailure(error);
      expect(exitCode).toBe(EXIT_CODES.badConfig);
      expect(advice).toContain(`chmod 600 ${file}`);
      await chmod(file, 0o600);
    }
  });

  it('refuses a tokens file others may write (they could add an admin), and takes one they may only read (it holds hashes only)', async () => {
    const file = config.http.tokensFile!;
    await chmod(file, 0o620);
    const error = await refusedStart();
    expect(error).toBeInstanceOf(FileModeError);
    expect(error.message).toBe(`${file} (the API tokens file) has mode 0620: its group may write it; run: chmod go-w ${file}`);
    expect(describeStartFailure(error).exitCode).toBe(EXIT_CODES.badConfig);
    await chmod(file, 0o644);
    expect((await loadApiClients(config)).map((record) => record.role)).toEqual(['operator', 'observer', 'admin']);
  });
});
