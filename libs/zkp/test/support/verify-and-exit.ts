// Run as a child process by test/e2e/verifier.test.ts: verifies one proof singly and in a batch,
// closes the verifier and returns from main without process.exit(), so the process exits only
// if nothing (thread, timer, curve) keeps it alive. Argument: a JSON file { vkey, proof }.
import { readFile } from 'node:fs/promises';
import type { VerificationKey } from 'snarkjs';
import type { SettlementProof } from '../../src/proof.js';
import { VerificationKeys } from '../../src/verifier/keys.js';
import { Groth16Verifier } from '../../src/verifier/verifier.js';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: verify-and-exit.ts <input.json>');
const { vkey, proof } = JSON.parse(await readFile(file, 'utf8')) as { vkey: VerificationKey; proof: SettlementProof };
const keys = new VerificationKeys();
keys.add(proof.epoch, proof.circuit, vkey);
const verifier = new Groth16Verifier(keys, { metrics: null, security: null, tracer: null });
const single = await verifier.verify(proof);
const batch = await verifier.verifyBatch([proof, proof, proof]);
await verifier.close();
console.log(`verified ${proof.circuit}: single ${single.outcome}, batch ${batch.valid ? 'valid' : 'invalid'}`);
