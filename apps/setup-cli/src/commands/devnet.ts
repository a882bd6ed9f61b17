import { readdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { genesisHash, genesisToJson, MAX_MEMBERS, toHex, type Genesis } from '@consortium/consensus';
import { writeMemberApiTokens } from '@consortium/node-config';
import type { Command } from 'commander';
import { KeepKeysError, OutputNotEmptyError } from '../errors.js';
import { readGenesisKeysFragment } from '../keys-fragment.js';
import { ensureDir, isMissingOrEmptyDir, pathExists, removeDir, SECRET_DIR_MODE, writePublicFile, writeSecretFiles } from '../files.js';
import { DEVNET_CHAIN_ID, DEFAULT_BASE_PORT, DEVNET_FILES, devnetLayout, HTTP_PORT_OFFSET, nodeJsonOf, type DevnetNode } from '../devnet-layout.js';
import { buildGenesis, DEVNET_CONSENSUS_PARAMS } from '../genesis-draft.js';
import { memberEntryOf } from '../member-entry.js';
import { generateMemberKeys, readMemberKeys, type MemberKeys } from '../member-keys.js';
import { FOUNDING_MEMBER_COUNT, KNOWN_MEMBER_IDS, selectMembers } from '../members.js';
import type { Printer, Terminal } from '../output.js';
import { examples, integerOption, tokenExpiryOption } from './options.js';

/**
 * `consortium-setup devnet`: a whole consortium on loopback in one folder, for development and
 * tests. One process makes every member's keys, which is exactly what a real consortium must
 * never do: the output says so.
 */

interface DevnetOptions {
  readonly out: string;
  readonly members: string;
  readonly basePort: number;
  readonly chainId: string;
  readonly force?: boolean;
  readonly keys?: string;
  readonly keepKeys?: boolean;
  readonly tokensExpireAt?: string;
}

export function addDevnetCommand(program: Command, terminal: Terminal): void {
  program
    .command('devnet')
    .summary('write keys, genesis and node.json files for a local test network on loopback')
    .description(
      'Write everything a local consortium needs, on 127.0.0.1: for each member a folder <out>/<member-id>/ with ' +
        'validator-key.json, node-key.json, node.json (its ports and every peer), api-tokens.json (hashed API tokens, named by node.json) ' +
        'and tokens/{operator,observer,admin}.token (the bearer tokens), and <out>/genesis.json. ' +
        `Member i (from 0) gets p2p port base + i and HTTP port base + ${HTTP_PORT_OFFSET} + i. For local testing only: ` +
        'all keys are made by one process on one machine.',
    )
    .requiredOption('--out <dir>', 'folder for the devnet; must be empty or new unless --force')
    .option(
      '--members <count|ids>',
      `a count (1 to ${MAX_MEMBERS}: the first of ${KNOWN_MEMBER_IDS.join(', ')}, then Member-9, ...) or a comma-separated list of those ids`,
      String(FOUNDING_MEMBER_COUNT),
    )
    .option('--base-port <port>', 'first p2p port', integerOption, DEFAULT_BASE_PORT)
    .option('--chain-id <id>', 'chain id of the devnet', DEVNET_CHAIN_ID)
    .option(
      '--keys <dir>',
      "a trusted setup's keys folder (from `ceremony demo`): its genesis-artifacts.json (file pins and setup kind) is pinned in the genesis and every node.json points at the folder; without it the devnet runs the key-value test application, which has no proofs",
    )
    .option('--force', "write into a non-empty --out: replaces the devnet files and removes those members' old chain data (data/)")
    .option(
      '--keep-keys',
      "with --force: keep each member's validator and node keys from the devnet in --out (a new genesis for the same members, e.g. pinning the keys of a ceremony they ran)",
    )
    .option(
      '--tokens-expire-at <time>',
      "when every member's API tokens expire, an ISO 8601 time with its zone (e.g. 2026-12-31T00:00:00Z): from then on the nodes answer 401 token_expired; without it the tokens do not expire",
      (value: string) => tokenExpiryOption(value),
    )
    .addHelpText(
      'after',
      examples(
        'consortium-setup devnet --out ./devnet',
        'consortium-setup devnet --out ./devnet --tokens-expire-at 2026-12-31T00:00:00Z',
        'consortium-setup devnet --out ./devnet7 --members 7 --base-port 27600',
        'consortium-setup devnet --out ./devnet --members T-Mobile-DE,Vodafone-UK,Orange-FR,Telenor-NO --force',
        'consortium-setup devnet --out ./devnet --keys ./keys   # after: consortium-setup ceremony demo --out ./keys',
        'consortium-setup devnet --out ./devnet --keys ./ceremony/keys --force --keep-keys   # after the members ran a ceremony',
      ),
    )
    .action((options: DevnetOptions) => runDevnet(options, terminal));
}

async function runDevnet(options: DevnetOptions, { out, progress }: Terminal): Promise<void> {
  const nodes = devnetLayout(selectMembers(options.members), options.basePort);
  const dir = resolve(options.out);
  const force = options.force === true;
  if (options.keepKeys === true && !force) throw new KeepKeysError('--keep-keys rewrites an existing devnet', 'Pass --force with it (the members keep their keys; the chain data of the old genesis goes).');
  if (!force && !(await isMissingOrEmptyDir(dir))) throw new OutputNotEmptyError(dir);

  const keys = await progress.step(`${options.keepKeys === true ? 'read the keys' : 'generate keys'} for ${nodes.length} members`, async (update) => {
    const made: MemberKeys[] = [];
    for (const node of nodes) {
      update(`${made.length + 1}/${nodes.length}`);
      const memberDir = join(dir, node.dir);
      made.push(
        options.keepKeys === true
          ? await readMemberKeys(join(memberDir, DEVNET_FILES.validatorKey), join(memberDir, DEVNET_FILES.nodeKey), node.member.id).catch((error: unknown) => {
              throw new KeepKeysError(`the keys of ${node.member.id} in ${memberDir} cannot be kept: ${(error as Error).message}`, 'Give --out the devnet whose members ran the ceremony (same --members), or drop --keep-keys for new keys.');
            })
          : await generateMemberKeys(node.member.id),
      );
    }
    return made;
  });

  const keysDir = options.keys === undefined ? undefined : resolve(options.keys);
  // A devnet says it is one (demo keys are refused anywhere else); without keys it runs the
  // key-value test application and says it has no proofs, so its nodes start without a verifier.
  const proofs = keysDir === undefined ? { application: 'kv-test' as const } : await readGenesisKeysFragment(keysDir);
  const genesis = await progress.step('assemble and validate the genesis', () =>
    buildGenesis({
      ...proofs,
      network: 'devnet',
      chainId: options.chainId,
      genesisTime: new Date().toISOString(),
      members: nodes.map((node, i) => ({ entry: memberEntryOf(node.member, keys[i]!.publicKeys, 1), source: node.member.id })),
      consensus: { ...DEVNET_CONSENSUS_PARAMS },
    }),
  );

  const { removedData, strangers } = await progress.step(`write the devnet to ${dir}`, () => writeDevnet(dir, nodes, keys, genesis, { force, keysDir, tokensExpireAt: options.tokensExpireAt }));
  for (const id of removedData) progress.note(progress.styled.yellow(`removed the old chain data of ${id} (${join(id, DEVNET_FILES.dataDir)}): it belonged to the previous genesis`));
  if (strangers.length > 0) progress.note(progress.styled.yellow(`left untouched, not part of this devnet: ${strangers.join(', ')}`));

  printSummary(out, dir, nodes, genesis, options.tokensExpireAt);
}

async function writeDevnet(
  dir: string,
  nodes: readonly DevnetNode[],
  keys: readonly MemberKeys[],
  genesis: Genesis,
  { force, keysDir, tokensExpireAt }: { readonly force: boolean; readonly keysDir: string | undefined; readonly tokensExpireAt: string | undefined },
) {
  await ensureDir(dir);
  const removedData: string[] = [];
  for (const [i, node] of nodes.entries()) {
    const memberDir = join(dir, node.dir);
    await ensureDir(memberDir, SECRET_DIR_MODE);
    // A new genesis makes the old chain data useless: a node would refuse or fork on it.
    if (force && (await removeDir(join(memberDir, DEVNET_FILES.dataDir)))) removedData.push(node.member.id);
    await writeSecretFiles(
      [
        { path: join(memberDir, DEVNET_FILES.validatorKey), content: keys[i]!.validatorKeyFile },
        { path: join(memberDir, DEVNET_FILES.nodeKey), content: keys[i]!.nodeKeyFile },
      ],
      force,
    );
    // The API answers 401 to /v1/* without a token: each member gets its operator, observer and
    // admin tokens (hashes in api-tokens.json, which node.json names; secrets in tokens/).
    await writeMemberApiTokens(memberDir, node.member.id, tokensExpireAt === undefined ? {} : { expiresAt: tokensExpireAt });
    const memberKeysDir = keysDir === undefined ? undefined : relative(memberDir, keysDir) || '.';
    await writePublicFile(join(memberDir, DEVNET_FILES.nodeConfig), `${JSON.stringify(nodeJsonOf(nodes, node, memberKeysDir), null, 2)}\n`, force);
  }
  // genesis.json last: its presence means the devnet is complete.
  await writePublicFile(join(dir, DEVNET_FILES.genesis), `${JSON.stringify(genesisToJson(genesis), null, 2)}\n`, force);
  return { removedData, strangers: await otherMemberFolders(dir, nodes) };
}

/** Member folders of an earlier devnet in the same place that this one does not replace. */
async function otherMemberFolders(dir: string, nodes: readonly DevnetNode[]): Promise<string[]> {
  const ours = new Set(nodes.map((node) => node.dir));
  const entries = await readdir(dir, { withFileTypes: true });
  const others: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory() && !ours.has(entry.name) && (await pathExists(join(dir, entry.name, DEVNET_FILES.nodeConfig)))) others.push(entry.name);
  }
  return others.sort();
}

function printSummary(out: Printer, dir: string, nodes: readonly DevnetNode[], genesis: Genesis, tokensExpireAt: string | undefined): void {
  const s = out.style;
  out.line(`Local test network ${s.bold(genesis.chainId)}: ${nodes.length} members on 127.0.0.1, written to ${dir}`);
  out.line(
    s.yellow(
      'FOR LOCAL TESTING ONLY: every key was made by this one process and is stored unencrypted here; ' +
        'never use these keys, this genesis or these node.json files for a real consortium.',
    ),
  );
  out.line();
  const width = Math.max('member'.length, ...nodes.map((node) => node.member.id.length));
  out.line(s.dim(`  ${'member'.padEnd(width)}  p2p    http   peer id`));
  for (const [i, node] of nodes.entries()) {
    out.line(`  ${node.member.id.padEnd(width)}  ${String(node.p2pPort).padEnd(5)}  ${String(node.httpPort).padEnd(5)}  ${genesis.members[i]!.peerId}`);
  }
  out.line();
  out.line(`  genesis       ${join(dir, DEVNET_FILES.genesis)}`);
  out.line(`  genesis hash  ${toHex(genesisHash(genesis))}`);
  out.line(`Each member's node reads ${join(dir, '<member-id>', DEVNET_FILES.nodeConfig)} and keeps its chain data in ${join('<member-id>', DEVNET_FILES.dataDir)}/.`);
  out.line(`Its API tokens (operator, observer, admin) are in ${join(dir, '<member-id>', DEVNET_FILES.tokenDir)}/<role>.token; send them as Authorization: Bearer <token>.`);
  if (tokensExpireAt !== undefined) out.line(`The tokens expire at ${tokensExpireAt}: from then on the nodes answer 401 token_expired.`);
}
