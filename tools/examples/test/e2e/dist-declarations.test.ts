import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_HINT, LIBRARIES, REPOSITORY_ROOT, missingBuilds } from '../support/workspace.ts';

/**
 * The type declarations in dist/ as an operator's TypeScript project sees them: a consumer in a
 * folder of its own, strict, `moduleResolution: NodeNext`, no `@consortium/source` condition and
 * no `skipLibCheck`, so every `.d.ts` the libraries ship is checked and any import in them that
 * has no declarations (which would silently turn a public type into `any`) is an error. The
 * errors of third-party declarations (libp2p's need DOM types) are not the libraries' and are
 * left out; the consumer also asserts a few public types are not `any`.
 */

const CONSUMER = `
import * as telemetry from '@consortium/telemetry';
import * as nodeConfig from '@consortium/node-config';
import * as p2p from '@consortium/p2p';
import * as consensus from '@consortium/consensus';
import * as zkp from '@consortium/zkp';
import * as ceremony from '@consortium/ceremony';
import * as settlement from '@consortium/settlement';
import type { Groth16Proof, SettlementProof, LoadedCircuit, SettlementPublicInputs } from '@consortium/zkp';
import type { StatementView, BatchView, RecordBatch } from '@consortium/settlement';

export const modules = [telemetry, nodeConfig, p2p, consensus, zkp, ceremony, settlement];

declare const proof: SettlementProof;
declare const circuit: LoadedCircuit;
declare const statement: StatementView;
declare const batch: BatchView;
declare const records: RecordBatch;

// Each line below must be a type error; if a type were \`any\`, the directive itself would be.
// @ts-expect-error a proof's pi_a is an array of decimal strings
export const a: number = proof.proof.pi_a;
// @ts-expect-error a verification key's nPublic is a number
export const b: string = circuit.vkey.nPublic;
// @ts-expect-error the public inputs' total is a bigint
export const c: string = (statement.publicInputs as SettlementPublicInputs).total;
// @ts-expect-error a batch commitment is a bigint or null
export const d: number = batch.batchCommitment;
// @ts-expect-error a record batch's salt is a bigint
export const e: string = records.salt;
export const f: Groth16Proof['protocol'] = 'groth16';

export const verifier = new zkp.Groth16Verifier(new zkp.VerificationKeys(), { metrics: null, security: null, tracer: null });
export const digest: Uint8Array = settlement.recordsDigest(records);
`;

let consumerDir: string;

beforeAll(async () => {
  const missing = missingBuilds();
  if (missing.length > 0) throw new Error(`${missing.join('; ')}: ${BUILD_HINT}`);
  // A consumer project outside the workspace that finds the packages in its node_modules.
  consumerDir = await mkdtemp(join(tmpdir(), 'consortium-consumer-'));
  await symlink(join(REPOSITORY_ROOT, 'node_modules'), join(consumerDir, 'node_modules'), 'dir');
  await writeFile(join(consumerDir, 'package.json'), '{ "type": "module", "private": true }\n');
  await writeFile(join(consumerDir, 'consumer.ts'), CONSUMER);
});

afterAll(async () => {
  if (consumerDir !== undefined) await rm(consumerDir, { recursive: true, force: true });
});

describe('the libraries\' declarations in dist/, checked by a strict consumer without skipLibCheck', () => {
  it('have no errors of their own, and their public types are not any', () => {
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2024.d.ts'],
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: ['node'],
    };
    const program = ts.createProgram([join(consumerDir, 'consumer.ts')], options);
    const ours = (file: string) => file.startsWith(consumerDir + sep) || LIBRARIES.some((l) => file.startsWith(join(REPOSITORY_ROOT, l.dir, 'dist') + sep));
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file === undefined || ours(d.file.fileName))
      .map((d) => `${d.file === undefined ? '' : `${d.file.fileName.replace(REPOSITORY_ROOT + sep, '')}: `}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(problems).toEqual([]);
    // the consumer really loaded the declarations from dist/
    const loaded = program.getSourceFiles().map((f) => f.fileName);
    for (const library of LIBRARIES.filter((l) => l.dir.startsWith('libs/'))) expect(loaded).toContain(join(REPOSITORY_ROOT, library.dir, 'dist/index.d.ts'));
  });
});
