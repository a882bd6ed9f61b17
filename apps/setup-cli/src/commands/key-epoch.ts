import { readFile, writeFile } from 'node:fs/promises';
import { fromHex, sha256, toHex, type Genesis } from '@consortium/consensus';
import {
  assembleTx,
  authenticateTx,
  encodeSettlementTx,
  keyEpochBody,
  settlementMembersOf,
  SettlementTxError,
  signTxBody,
  txSigningHash,
  type RegisterKeyEpochBody,
  type TxSignature,
} from '@consortium/settlement';
import { ArtifactError, loadEpoch } from '@consortium/zkp';
import type { Command } from 'commander';
import { loadIdentity } from '../ceremony/identity.js';
import { KeyEpochInputError } from '../errors.js';
import { readGenesisFile, readTextFile } from '../files.js';
import { readGenesisKeysFragment } from '../keys-fragment.js';
import type { Terminal } from '../output.js';
import { examples, integerOption } from './options.js';

/**
 * Key rotation: a new ceremony's keys become the chain's next key epoch through one
 * register_key_epoch transaction that every member signs. Each member builds the same body from
 * the same keys folder and activation height, checks the folder as its node will, and signs on
 * its own machine (`sign`); anyone gathers the signatures into the transaction (`assemble`) and
 * submits it to a node (POST /v1/txs).
 */

export const KEY_EPOCH_SIGNATURE_FORMAT = 'consortium-key-epoch-signature/1';

/** One member's signature of a key epoch body, as `sign` writes it. */
interface SignatureFile {
  readonly format: typeof KEY_EPOCH_SIGNATURE_FORMAT;
  readonly chainId: string;
  readonly epoch: number;
  readonly activationHeight: number;
  /** txSigningHash of the body (hex): two members signed the same body exactly when these agree. */
  readonly signingHash: string;
  readonly member: string;
  readonly signature: string;
}

interface BodyOptions {
  readonly genesis: string;
  readonly keys: string;
  readonly activationHeight: number;
}

export function addKeyEpochCommand(program: Command, terminal: Terminal): void {
  const { out, progress } = terminal;
  const keyEpoch = program
    .command('key-epoch')
    .summary("register a new ceremony's keys as the chain's next key epoch (key rotation): sign, then assemble")
    .description(
      "Key rotation. A new ceremony (consortium-setup ceremony ... finish --epoch 2) writes a keys folder for key epoch 2. Every member signs its " +
        'registration (sign), anyone assembles the signatures into one register_key_epoch transaction (assemble) and submits it to a node. ' +
        'From the activation height on, statements are proved under the new epoch (the one before is taken for 64 more blocks); statements ' +
        "proved earlier stay verifiable. Every node verifies the new epoch's proofs from the chain; a node proves under it once its keys folder " +
        "is in node.json's epochKeysDirs.",
    );
  const bodyOptions = (command: Command) =>
    command
      .requiredOption('--genesis <file>', "the chain's genesis.json (its chain id and members)")
      .requiredOption('--keys <dir>', "the new ceremony's keys folder (its manifest names the epoch)")
      .requiredOption('--activation-height <n>', 'the first block height that takes proofs under the new epoch: ahead of the chain, with time for every member to sign', integerOption);

  bodyOptions(keyEpoch.command('sign'))
    .summary('a member: check the keys folder and sign its registration with the validator key')
    .requiredOption('--member <id>', 'the member signing')
    .requiredOption('--key <file|uri>', "the member's validator-key.json, or the PKCS#11 URI of that key in an HSM")
    .requiredOption('--out <file>', 'where to write the signature (JSON), for whoever assembles')
    .addHelpText('after', examples('consortium-setup key-epoch sign --genesis genesis.json --keys ./keys-2 --activation-height 12000 --member Orange-FR --key ./keys/validator-key.json --out Orange-FR.sig.json'))
    .action(async (options: BodyOptions & { member: string; key: string; out: string }) => {
      const genesis = await readGenesis(options.genesis);
      const body = await progress.step(`check the keys folder ${options.keys} as a node will`, () => buildBody(genesis, options));
      const identity = await loadIdentity(options.key, options.member);
      if (!genesis.members.some((member) => member.id === options.member)) throw new KeyEpochInputError(`${options.member} is not a member of ${genesis.chainId}`, 'Sign as one of the members genesis lists.');
      const signed = signTxBody(genesis.chainId, body, options.member, identity.signer);
      const file: SignatureFile = {
        format: KEY_EPOCH_SIGNATURE_FORMAT,
        chainId: genesis.chainId,
        epoch: body.epoch,
        activationHeight: body.activationHeight,
        signingHash: toHex(txSigningHash(genesis.chainId, body)),
        member: options.member,
        signature: toHex(signed.signature),
      };
      await writeFile(options.out, `${JSON.stringify(file, null, 2)}\n`);
      out.line(`${options.member} signed key epoch ${body.epoch} (${body.pins.map((pin) => pin.circuit).join(', ')}) from height ${body.activationHeight}: ${options.out}`);
    });

  bodyOptions(keyEpoch.command('assemble'))
    .summary("anyone: gather every member's signature into the register_key_epoch transaction")
    .requiredOption('--signatures <files...>', "every member's signature file from sign")
    .requiredOption('--out <file>', 'where to write the transaction as the node API takes it: { "tx": "<base64>" }')
    .addHelpText(
      'after',
      examples(
        'consortium-setup key-epoch assemble --genesis genesis.json --keys ./keys-2 --activation-height 12000 --signatures sigs/*.sig.json --out key-epoch-2.json',
        'curl -X POST https://node:26700/v1/txs -H "authorization: Bearer $OPERATOR_TOKEN" -H "content-type: application/json" --data @key-epoch-2.json',
      ),
    )
    .action(async (options: BodyOptions & { signatures: string[]; out: string }) => {
      const genesis = await readGenesis(options.genesis);
      const body = await progress.step(`check the keys folder ${options.keys} as a node will`, () => buildBody(genesis, options));
      const expectedHash = toHex(txSigningHash(genesis.chainId, body));
      const signatures: TxSignature[] = [];
      for (const file of options.signatures) signatures.push(await readSignature(file, genesis.chainId, expectedHash));
      const tx = assembleTx(body, signatures);
      const members = new Map(settlementMembersOf(genesis).map((member) => [member.id, member]));
      try {
        authenticateTx(tx, members, genesis.chainId);
      } catch (error) {
        if (error instanceof SettlementTxError) throw new KeyEpochInputError(`a signature does not hold: ${error.message}`, "Ask that member to sign again with its own validator key; signatures are checked against genesis's keys.");
        throw error;
      }
      const missing = genesis.members.map((member) => member.id).filter((id) => !signatures.some((signature) => signature.member === id));
      if (missing.length > 0) throw new KeyEpochInputError(`a key epoch needs every member's signature; missing: ${missing.join(', ')}`, 'Have each of them run `consortium-setup key-epoch sign` with the same --keys and --activation-height, and pass all the files.');
      const encoded = encodeSettlementTx(tx);
      await writeFile(options.out, `${JSON.stringify({ tx: Buffer.from(encoded).toString('base64') })}\n`);
      out.line(`key epoch ${body.epoch} from height ${body.activationHeight}, signed by all ${signatures.length} members: ${options.out} (${encoded.byteLength} bytes, tx ${toHex(sha256(encoded)).slice(0, 16)})`);
      out.line(`submit it to any node: POST /v1/txs with the operator token and --data @${options.out}`);
    });
}

function readGenesis(file: string): Promise<Genesis> {
  return readGenesisFile(file, (problem) => new KeyEpochInputError(problem, "Give --genesis the chain's genesis.json."));
}

/**
 * The body every member signs: the keys folder checked exactly as a node will load it (every
 * file against its pin, the verification key usable, demo keys only on a devnet, the same kind
 * of setup as genesis's keys), then its pins and verification key files.
 */
async function buildBody(genesis: Genesis, options: BodyOptions): Promise<RegisterKeyEpochBody> {
  const fragment = await readGenesisKeysFragment(options.keys);
  let loaded: Awaited<ReturnType<typeof loadEpoch>>;
  try {
    loaded = await loadEpoch(options.keys, { artifacts: fragment.artifacts, trustedSetup: genesis.trustedSetup ?? fragment.trustedSetup, network: genesis.network ?? 'production' });
  } catch (error) {
    if (error instanceof ArtifactError) throw new KeyEpochInputError(`${options.keys}: ${error.message}`, "Use the new ceremony's keys folder as `ceremony finish` wrote it, made by the same kind of setup as genesis's keys.");
    throw error;
  }
  if (loaded.epoch < 2) throw new KeyEpochInputError(`${options.keys} holds key epoch ${loaded.epoch}; genesis starts with epoch 1`, 'Finish the new ceremony with --epoch 2 (or the next epoch after the chain\'s latest).');
  if (options.activationHeight < 1) throw new KeyEpochInputError(`--activation-height ${options.activationHeight} is not a block height`, 'State a height ahead of the chain (GET /v1/status shows the committed height).');
  const circuits = await Promise.all(
    [...loaded.circuits.values()].map(async (circuit) => ({
      name: circuit.name,
      zkeySha256: circuit.zkeySha256,
      wasmSha256: circuit.wasmSha256,
      vkeySha256: circuit.vkeySha256,
      vkeyBytes: new Uint8Array(await readFile(circuit.vkeyPath)),
    })),
  );
  return keyEpochBody(loaded.epoch, options.activationHeight, circuits);
}

async function readSignature(file: string, chainId: string, expectedHash: string): Promise<TxSignature> {
  let parsed: Partial<SignatureFile>;
  try {
    parsed = JSON.parse(await readTextFile(file)) as Partial<SignatureFile>;
  } catch (error) {
    throw new KeyEpochInputError(`${file}: ${(error as Error).message}`, 'Pass the files `consortium-setup key-epoch sign` wrote.');
  }
  if (parsed.format !== KEY_EPOCH_SIGNATURE_FORMAT || typeof parsed.member !== 'string' || typeof parsed.signature !== 'string') {
    throw new KeyEpochInputError(`${file} is not a key epoch signature (${KEY_EPOCH_SIGNATURE_FORMAT})`, 'Pass the files `consortium-setup key-epoch sign` wrote.');
  }
  if (parsed.chainId !== chainId || parsed.signingHash !== expectedHash) {
    throw new KeyEpochInputError(
      `${file}: ${parsed.member} signed another registration (chain ${String(parsed.chainId)}, epoch ${String(parsed.epoch)}, from height ${String(parsed.activationHeight)})`,
      'Every member signs the same keys folder and --activation-height: agree on them and sign again.',
    );
  }
  const signature = fromHex(parsed.signature, 64);
  if (signature === null) throw new KeyEpochInputError(`${file}: the signature is not 64 bytes of hex`, `Ask ${parsed.member} to sign again.`);
  return { member: parsed.member, signature };
}
