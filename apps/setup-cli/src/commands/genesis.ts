import { dirname, join, resolve } from 'node:path';
import { CeremonyError, checkAttestedKeys, readTranscriptFile, sha256OfFile, TRANSCRIPT_FILE, UnattestedKeysError, type CeremonyPlan } from '@consortium/ceremony';
import { genesisHash, genesisToJson, toHex, DEFAULT_CONSENSUS_PARAMS, type Genesis } from '@consortium/consensus';
import { Option, type Command } from 'commander';
import { assertSetupAllowed, DemoKeysRefusedError } from '@consortium/zkp';
import { DemoKeysForConsortiumError, MemberFileError, NoMembersError, OutputFileExistsError, ParamsFileError, UnattestedCeremonyKeysError } from '../errors.js';
import { ensureDir, listMemberFiles, pathExists, readTextFile, writePublicFile } from '../files.js';
import { buildGenesis, consensusParamsWith, genesisTimeOf, type MemberSource } from '../genesis-draft.js';
import type { GenesisKeysFragment } from '../keys-folder.js';
import { readGenesisKeysFragment } from '../keys-fragment.js';
import { parseMemberFileText } from '../member-entry.js';
import type { Terminal } from '../output.js';
import { examples } from './options.js';

/**
 * `consortium-setup genesis`: whoever assembles the consortium collects every member's public
 * entry and writes the genesis every node starts from. Nothing is written unless the whole
 * genesis is valid.
 */

interface GenesisOptions {
  readonly chainId: string;
  readonly memberFile?: readonly string[];
  readonly membersDir?: string;
  readonly out: string;
  readonly genesisTime?: string;
  readonly params?: string;
  readonly keys?: string;
  readonly transcript?: string;
  readonly force?: boolean;
}

export function addGenesisCommand(program: Command, terminal: Terminal): void {
  program
    .command('genesis')
    .summary("assemble the members' public entries into genesis.json")
    .description(
      "Assemble the members' public entries (from `consortium-setup keys`) into a genesis: chain id, genesis time, " +
        'members in the order given, consensus parameters. It is validated as every node will validate it; each ' +
        'problem is listed with the file or option to fix, and nothing is written until all are fixed. Prints the ' +
        'genesis hash, which every member should compare out of band before starting its node.',
    )
    .requiredOption('--chain-id <id>', "the chain's name: lowercase letters, digits and '-', e.g. sp-consortium")
    .addOption(new Option('--member-file <file...>', 'a member entry (<member-id>.member.json); repeat it, or list several').conflicts('membersDir'))
    .option('--members-dir <dir>', 'read every *.member.json in this folder, in file-name order')
    .requiredOption('--out <file>', 'where to write the genesis, e.g. genesis.json')
    .option('--genesis-time <iso>', 'the genesis time, ISO 8601 (default: now)')
    .option('--params <file>', `JSON object of consensus parameters to change from the defaults, e.g. { "timeoutCommitMs": 500 }`)
    .option(
      '--keys <dir>',
      "the trusted setup's keys folder: its genesis-artifacts.json (file pins and setup kind) is pinned in the genesis. Without it the genesis pins no keys and nodes refuse to start (they could not verify proofs); demo keys are refused (devnets only)",
    )
    .option(
      '--transcript <file>',
      "with --keys of a ceremony: its transcript.json (default: beside the keys folder, <keys>/../transcript.json). The keys must be the ones every member attested in it, and its members genesis's",
    )
    .option('--force', 'replace --out if it exists')
    .addHelpText(
      'after',
      `\nDefault consensus parameters (--params changes any of them):\n${Object.entries(DEFAULT_CONSENSUS_PARAMS)
        .map(([name, value]) => `  ${name.padEnd(24)}${String(value)}`)
        .join('\n')}\n` +
        examples(
          'consortium-setup genesis --chain-id sp-consortium --members-dir ./members --out genesis.json',
          'consortium-setup genesis --chain-id sp-consortium --member-file T-Mobile-DE.member.json Vodafone-UK.member.json \\\n' +
            '      Orange-FR.member.json Telenor-NO.member.json SFR-FR.member.json --params params.json --out genesis.json',
        ),
    )
    .action((options: GenesisOptions) => runGenesis(options, terminal));
}

async function memberFilesOf(options: GenesisOptions): Promise<string[]> {
  if (options.membersDir !== undefined) {
    const dir = options.membersDir;
    let files: string[];
    try {
      files = await listMemberFiles(dir);
    } catch (error) {
      throw new MemberFileError(dir, `cannot be read (${(error as Error).message})`, 'Give --members-dir a folder holding one <member-id>.member.json per member.');
    }
    if (files.length === 0) throw new NoMembersError(` in ${dir} (no *.member.json)`);
    return files;
  }
  const files = options.memberFile ?? [];
  if (files.length === 0) throw new NoMembersError(': neither --member-file nor --members-dir was given');
  const repeated = files.find((file, i) => files.findIndex((other) => resolve(other) === resolve(file)) !== i);
  if (repeated !== undefined) throw new MemberFileError(repeated, 'is given more than once', 'Give each member file once.');
  return [...files];
}

async function readMemberSource(file: string): Promise<MemberSource> {
  let text: string;
  try {
    text = await readTextFile(file);
  } catch (error) {
    throw new MemberFileError(file, `cannot be read (${(error as Error).message})`);
  }
  return { entry: parseMemberFileText(text, file), source: file };
}

async function readParams(file: string | undefined): Promise<Record<string, unknown>> {
  if (file === undefined) return { ...DEFAULT_CONSENSUS_PARAMS };
  let value: unknown;
  try {
    value = JSON.parse(await readTextFile(file));
  } catch (error) {
    throw new ParamsFileError(file, `cannot be read as JSON (${(error as Error).message})`);
  }
  return consensusParamsWith(value, file);
}

async function runGenesis(options: GenesisOptions, { out, progress }: Terminal): Promise<void> {
  const outFile = resolve(options.out);
  const genesisTime = genesisTimeOf(options.genesisTime, new Date());
  if (options.force !== true && (await pathExists(outFile))) throw new OutputFileExistsError(outFile); // before any work

  const ceremonyKeys = options.keys === undefined ? undefined : await consortiumKeys(resolve(options.keys), options.transcript);
  const proofKeys = ceremonyKeys?.fragment;
  const files = await memberFilesOf(options);
  const members = await progress.step(`read ${files.length} member file${files.length === 1 ? '' : 's'}`, () => Promise.all(files.map(readMemberSource)));
  const consensus = await readParams(options.params);

  const genesis = await progress.step('validate the genesis', () =>
    buildGenesis({ chainId: options.chainId, genesisTime, members, consensus, ...proofKeys, ...(options.params === undefined ? {} : { paramsSource: options.params }) }),
  );
  if (ceremonyKeys?.ceremony !== undefined) {
    const { plan, keysDir, transcriptFile } = ceremonyKeys.ceremony;
    const problem = ceremonyMembersProblem(plan, genesis);
    if (problem !== null) throw new UnattestedCeremonyKeysError(keysDir, transcriptFile, problem);
  }

  await progress.step(`write ${outFile}`, async () => {
    await ensureDir(dirname(outFile));
    await writePublicFile(outFile, `${JSON.stringify(genesisToJson(genesis), null, 2)}\n`, options.force === true);
  });

  const s = out.style;
  out.line(`Genesis of ${s.bold(genesis.chainId)} written to ${outFile}`);
  out.line(`  genesis time  ${new Date(genesis.genesisTimeMs).toISOString()}`);
  out.line(`  members       ${genesis.members.length}: ${genesis.members.map((member) => member.id).join(', ')}`);
  out.line(`  genesis hash  ${toHex(genesisHash(genesis))}`);
  out.line(`  proof keys    ${genesis.trustedSetup === undefined ? 'none pinned: nodes refuse to start until a genesis pins the ceremony\'s keys (--keys)' : `${Object.keys(genesis.artifacts).length} files of a ${genesis.trustedSetup.kind} setup`}`);
  progress.note(`\nNext: send ${outFile} to every member; each compares the genesis hash with yours (by phone, not by the same channel) before starting its node.`);
}

interface ConsortiumKeys {
  readonly fragment: GenesisKeysFragment;
  /** For a ceremony's keys: the plan whose members attested them, to compare with genesis's. */
  readonly ceremony?: { readonly plan: CeremonyPlan; readonly keysDir: string; readonly transcriptFile: string };
}

/**
 * The keys a real consortium's genesis may pin, before any work: the same rule a node applies
 * (demo keys only on a devnet), and a ceremony's keys only if they are what every member
 * attested in its transcript. The coordinator hands the keys folder out after the attestations
 * (T40 in docs/security.md): its genesis-artifacts.json, pinned here as it is, is checked
 * against the transcript's final files and every member's attestation first.
 */
async function consortiumKeys(keysDir: string, transcriptOption: string | undefined): Promise<ConsortiumKeys> {
  const fragment = await readGenesisKeysFragment(keysDir);
  try {
    assertSetupAllowed(fragment.trustedSetup, 'production');
  } catch (error) {
    if (error instanceof DemoKeysRefusedError) throw new DemoKeysForConsortiumError(keysDir, error.message);
    throw error;
  }
  if (fragment.trustedSetup.kind !== 'ceremony') return { fragment };
  const transcriptFile = resolve(transcriptOption ?? join(keysDir, '..', TRANSCRIPT_FILE));
  try {
    const transcript = await readTranscriptFile(transcriptFile);
    await checkAttestedKeys(keysDir, transcript, { transcriptSha256: await sha256OfFile(transcriptFile), fragment: 'required' });
    return { fragment, ceremony: { plan: transcript.plan, keysDir, transcriptFile } };
  } catch (error) {
    if (error instanceof CeremonyError) throw new UnattestedCeremonyKeysError(keysDir, transcriptFile, error instanceof UnattestedKeysError ? error.detail : error.message);
    throw error;
  }
}

/** The ceremony was run and attested by the genesis's members, with their validator keys; else what differs. */
function ceremonyMembersProblem(plan: CeremonyPlan, genesis: Genesis): string | null {
  for (const member of genesis.members) {
    const planned = plan.members.find((candidate) => candidate.id === member.id);
    if (planned === undefined) return `${member.id} is a member of the genesis but took no part in the ceremony (its members: ${plan.members.map((m) => m.id).join(', ')})`;
    if (planned.publicKey !== toHex(member.publicKey)) return `${member.id}'s key in the ceremony's plan (${planned.publicKey.slice(0, 16)}…) is not its validator key in the genesis (${toHex(member.publicKey).slice(0, 16)}…)`;
  }
  const outsiders = plan.members.filter((planned) => !genesis.members.some((member) => member.id === planned.id)).map((planned) => planned.id);
  return outsiders.length === 0 ? null : `${outsiders.join(', ')} took part in the ceremony but ${outsiders.length === 1 ? 'is not a member' : 'are not members'} of the genesis`;
}
