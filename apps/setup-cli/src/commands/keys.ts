import { basename, join, resolve } from 'node:path';
import { Pkcs11Error } from '@consortium/consensus';
import type { Command } from 'commander';
import { HsmKeyError, MissingMemberDetailsError } from '../errors.js';
import { ensureDir, refuseExistingKeyFiles, SECRET_DIR_MODE, writeSecretFiles } from '../files.js';
import { checkMemberEntry, memberEntryOf } from '../member-entry.js';
import { generateMemberKeys, generateMemberKeysInHsm, type MemberKeys, type SecretText } from '../member-keys.js';
import { KNOWN_MEMBER_IDS, memberDetailsOf, type MemberDetails } from '../members.js';
import type { Terminal } from '../output.js';
import { examples, integerOption } from './options.js';

/**
 * `consortium-setup keys`: one member makes its two keys on its own machine and prints its public
 * entry, which it sends to whoever assembles genesis. The keys never leave the machine.
 */

export const VALIDATOR_KEY_FILE = 'validator-key.json';
export const NODE_KEY_FILE = 'node-key.json';

interface KeysOptions {
  readonly member: string;
  readonly out: string;
  readonly operator?: string;
  readonly tadig?: string;
  readonly votingPower: number;
  readonly force?: boolean;
  readonly validatorPkcs11?: string;
}

export function addKeysCommand(program: Command, terminal: Terminal): void {
  program
    .command('keys')
    .summary("make a member's validator key and node key; print its public entry")
    .description(
      "Make a member's two keys in --out: validator-key.json (ed25519, signs consensus votes) and node-key.json " +
        "(the libp2p identity of its node), both with mode 0600. Prints the member's public entry (id, operator, " +
        'TADIG, public key, peer id, voting power) as JSON on stdout: save it as <member-id>.member.json and send it ' +
        'to whoever assembles genesis. Keys never leave the machine.',
    )
    .requiredOption('--member <id>', 'member id, e.g. T-Mobile-DE; a known id fills in --operator and --tadig')
    .requiredOption('--out <dir>', 'folder for the key files (created with mode 0700 if missing)')
    .option('--operator <name>', 'operator name, e.g. "Telekom Deutschland" (default: from the member table)')
    .option('--tadig <code>', 'GSMA TADIG code, e.g. DEUD1 (default: from the member table)')
    .option('--voting-power <n>', 'votes this member carries in consensus', integerOption, 1)
    .option('--force', 'replace existing key files (the member gets a new identity; genesis must list the new entry)')
    .option(
      '--validator-pkcs11 <uri>',
      'generate the validator key inside an HSM instead of a file: a PKCS#11 URI naming the token and the new key\'s label ' +
        '(pkcs11:token=<label>;object=<key label>?module-path=<library>&pin-source=file:<pin file>); the key is not extractable. ' +
        "Give the same URI as node.json's validatorKeyPkcs11Uri and as --key of the ceremony's commands",
    )
    .addHelpText(
      'after',
      examples(
        'consortium-setup keys --member T-Mobile-DE --out ./keys > T-Mobile-DE.member.json',
        'consortium-setup keys --member Elisa-FI --operator "Elisa" --tadig FINRL --out ./keys > Elisa-FI.member.json',
        "consortium-setup keys --member Orange-FR --out ./keys --validator-pkcs11 'pkcs11:token=consortium;object=validator-Orange-FR?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/consortium/hsm-pin' > Orange-FR.member.json",
      ),
    )
    .action((options: KeysOptions) => runKeys(options, terminal));
}

function detailsOf(options: KeysOptions): MemberDetails {
  const known = memberDetailsOf(options.member);
  const operator = options.operator ?? known?.operator;
  const tadig = options.tadig ?? known?.tadig;
  if (operator === undefined || tadig === undefined) {
    const missing = [operator === undefined ? 'operator' : null, tadig === undefined ? 'tadig' : null].filter((name) => name !== null);
    throw new MissingMemberDetailsError(options.member, missing, KNOWN_MEMBER_IDS);
  }
  return { id: options.member, operator, tadig };
}

async function runKeys(options: KeysOptions, { out, progress }: Terminal): Promise<void> {
  const details = detailsOf(options);
  const dir = resolve(options.out);
  const inHsm = options.validatorPkcs11 !== undefined;
  const validatorKeyPath = join(dir, VALIDATOR_KEY_FILE);
  const nodeKeyPath = join(dir, NODE_KEY_FILE);
  // Refuse before generating anything, so the operator learns at once.
  if (options.force !== true) await refuseExistingKeyFiles(inHsm ? [nodeKeyPath] : [validatorKeyPath, nodeKeyPath]);

  const keys = inHsm
    ? await progress.step(`generate the validator key of ${details.id} inside the HSM, and the node key`, () => generateInHsm(options.validatorPkcs11!))
    : await progress.step(`generate the validator key and node key of ${details.id}`, () => generateMemberKeys(details.id));
  const entry = memberEntryOf(details, keys.publicKeys, options.votingPower);
  checkMemberEntry(entry); // before anything is written

  const files: { readonly path: string; readonly content: SecretText }[] = [{ path: nodeKeyPath, content: keys.nodeKeyFile }];
  if (!inHsm) files.unshift({ path: validatorKeyPath, content: (keys as MemberKeys).validatorKeyFile });
  await progress.step(`write ${files.map((file) => basename(file.path)).join(' and ')} to ${dir} (mode 0600)`, async () => {
    await ensureDir(dir, SECRET_DIR_MODE);
    await writeSecretFiles(files, options.force === true);
  });

  out.line(JSON.stringify(entry, null, 2));
  const s = progress.styled;
  const kept = inHsm ? `${NODE_KEY_FILE} on this machine (the validator key stays in the HSM: back the token up as its vendor says)` : `${VALIDATOR_KEY_FILE} and ${NODE_KEY_FILE} on this machine and back them up offline`;
  progress.note(
    `\nThe public entry of ${details.id} is on stdout${s.dim(` (peer id ${entry.peerId})`)}.\n` +
      `Next: save it as ${s.bold(`${details.id}.member.json`)} and send it to whoever assembles genesis (consortium-setup genesis).\n` +
      `Keep ${kept}: they are ${details.id}'s identity.`,
  );
}

async function generateInHsm(uri: string): Promise<Awaited<ReturnType<typeof generateMemberKeysInHsm>>> {
  try {
    return await generateMemberKeysInHsm(uri);
  } catch (error) {
    if (error instanceof Pkcs11Error) throw new HsmKeyError(error.message);
    throw error;
  }
}
