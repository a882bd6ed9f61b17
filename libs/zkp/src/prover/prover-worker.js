/**
 * A prover worker thread of ProverPool (pool.ts). Plain JavaScript on purpose: vitest and plain
 * Node both load it with no TypeScript loader, from src/ and from dist/ alike (the package's
 * build copies it). The message shapes are declared in protocol.ts: keep the two in step.
 *
 * One job at a time: read the circuit's wasm and zkey, calculate the witness, prove. Every file
 * read is hashed and compared with the pin the job carries (genesis's sha256 of it): a file
 * swapped or damaged under a running node is refused (stage 'pin'), never proved with. The
 * cache is keyed by the pin, so it only ever holds bytes that matched one, and a file changed
 * on disk after it was read is never picked up silently. The two steps are what
 * snarkjs.groth16.fullProve does (wtns.calculate into a memory file, then groth16.prove),
 * called one by one so a failure says which step refused: the witness calculator refusing
 * the input is the caller's fault, a proving error means the artifacts do not fit together.
 * The witness calculator is the one wtns.calculate builds (circom_runtime's), kept per wasm pin
 * instead of being built again for every proof (see witnessOf).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import workerThreads from 'node:worker_threads';

const { parentPort, workerData } = workerThreads;
if (parentPort === null) throw new Error('prover-worker.js runs as a worker thread of ProverPool, not on its own');

// ffjavascript (snarkjs's curve arithmetic) starts its threads with the `web-worker` package,
// which decides when it is loaded, by `isMainThread`, whether it runs inside one of its own
// threads. In any other worker thread, such as this one, it takes it for its own: it exports no
// Worker class (so multi-threaded snarkjs fails with "Worker is not a constructor"), replaces
// the global object's prototype, listens on parentPort and prints a TypeError while it tries
// to load a script from our workerData. Loading snarkjs while `isMainThread` reads true makes it
// behave as on the main thread; its own threads are started normally. Restored right after.
workerThreads.isMainThread = true;
const [snarkjs, { WitnessCalculatorBuilder }, { utils: ffUtils }] = await Promise.all([import('snarkjs'), import('circom_runtime'), import('ffjavascript')]).finally(() => {
  workerThreads.isMainThread = false;
});
const port = parentPort;
/** @type {{ singleThread: boolean; maxCachedFiles: number }} */
const { singleThread, maxCachedFiles } = workerData;

/** Bound on what a job's error carries of the witness calculator's output. */
const DETAIL_MAX_CHARS = 4096;
let detail = '';
// circom's witness calculator prints the failed assertion (template, line) with console.error
// before it throws: keep it for the job's error rather than the node's stderr.
console.error = (...args) => {
  if (detail.length < DETAIL_MAX_CHARS) detail = `${detail}${args.map(String).join(' ')}\n`.slice(0, DETAIL_MAX_CHARS);
};

// snarkjs builds a new bn128 curve for every single-threaded proof (the module code is
// generated and compiled again: 130-220 ms measured here, a tenth of a 64-record proof); only
// the multi-threaded curve is cached, in globalThis.curve_bn128, and reused when a proof is
// asked with singleThread: false. A single-threaded curve put in that cache is therefore reused
// by every proof and still runs on this thread alone. If a later ffjavascript stops reading
// the cache, the check after each proof notices and the worker goes back to plain singleThread.
/** @type {{ terminate(): Promise<void> } | null} */
let reusedCurve = null;
if (singleThread) {
  reusedCurve = await snarkjs.curves.getCurveFromName('bn128', { singleThread: true });
  globalThis.curve_bn128 = reusedCurve;
}

/** @type {Map<string, Uint8Array>} pinned sha256 -> bytes that hash to it, least recently used first */
const cache = new Map();
/**
 * Proving keys handed over in memory (sealed on disk, opened by the node with its HSM key):
 * pinned sha256 -> bytes, checked once on arrival, never evicted (there is no file to read them
 * back from).
 * @type {Map<string, Uint8Array>}
 */
const given = new Map();

/**
 * Witness calculators, by the pin of the wasm they were built from, least recently used first.
 * snarkjs's wtns.calculate builds one for every witness: it compiles the circuit's wasm (5 MB),
 * reserves its memory and runs it in V8's baseline tier: 0.3 to 0.5 CPU seconds a witness here,
 * about 40 % of a settlement-61 proof's CPU (docs/benchmarks.md, issue 11's performance goals).
 * A kept calculator runs in optimised code: about 10 to 50 ms. Each calculation starts with the
 * wasm's init(), which resets every signal; a calculator whose calculation failed is dropped
 * (circom_runtime keeps the failed run's messages in it, and they would be added to the next
 * failure's).
 * @type {Map<string, { circom_version(): number; calculateWTNSBin(input: unknown): Promise<Uint8Array> }>}
 */
const calculators = new Map();

/**
 * The witness of `input` as a .wtns file in memory, exactly as snarkjs.wtns.calculate writes it
 * (circom 2: the calculator's own .wtns bytes; a circom 1 circuit goes through snarkjs), and
 * whether the calculator was kept from an earlier job or built for this one.
 * @param {string} wasmSha256 @param {Uint8Array} wasm @param {Record<string, unknown>} input
 * @returns {Promise<{ witness: { type: 'mem'; data?: Uint8Array }; calculator: 'built' | 'kept' }>}
 */
async function witnessOf(wasmSha256, wasm, input) {
  let calculator = calculators.get(wasmSha256);
  const kept = calculator !== undefined;
  if (calculator === undefined) {
    calculator = await WitnessCalculatorBuilder(wasm);
    if (calculator.circom_version() !== 2) {
      /** @type {{ type: 'mem'; data?: Uint8Array }} */
      const witness = { type: 'mem' };
      await snarkjs.wtns.calculate(input, { type: 'mem', data: wasm }, witness);
      return { witness, calculator: 'built' };
    }
  }
  // Out of the cache while it calculates: a failure leaves it out.
  calculators.delete(wasmSha256);
  const data = await calculator.calculateWTNSBin(ffUtils.unstringifyBigInts(input));
  calculators.set(wasmSha256, calculator);
  while (calculators.size > maxCachedFiles) calculators.delete(calculators.keys().next().value);
  return { witness: { type: 'mem', data }, calculator: kept ? 'kept' : 'built' };
}

/** A file whose bytes differ from their pin. */
class PinMismatch extends Error {
  /** @param {{ artifact: 'wasm' | 'zkey'; path: string; pinnedSha256: string; actualSha256: string }} pin */
  constructor(pin) {
    super(`${pin.path} does not match its pin`);
    this.pin = pin;
  }
}

/**
 * The bytes of `path`, which must hash to `pinnedSha256`: from the cache when they were read
 * before, else read and hashed now (every read is checked).
 * @param {'wasm' | 'zkey'} artifact @param {string} path @param {string} pinnedSha256
 */
async function load(artifact, path, pinnedSha256) {
  const hit = cache.get(pinnedSha256);
  if (hit !== undefined) {
    cache.delete(pinnedSha256);
    cache.set(pinnedSha256, hit);
    return hit;
  }
  const buffer = await readFile(path);
  const actualSha256 = createHash('sha256').update(buffer).digest('hex');
  if (actualSha256 !== pinnedSha256) throw new PinMismatch({ artifact, path, pinnedSha256, actualSha256 });
  // A plain Uint8Array view: Buffer#slice shares memory where Uint8Array#slice copies.
  const data = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  cache.set(pinnedSha256, data);
  while (cache.size > maxCachedFiles) cache.delete(cache.keys().next().value);
  return data;
}

/**
 * The in-memory proving key of a job: the bytes it carries (checked against the pin, then kept),
 * or those an earlier job carried.
 * @param {{ zkeyPath: string; zkeySha256: string; zkeyBytes?: Uint8Array }} request
 */
function inMemoryKey(request) {
  if (request.zkeyBytes !== undefined && !given.has(request.zkeySha256)) {
    const actualSha256 = createHash('sha256').update(request.zkeyBytes).digest('hex');
    if (actualSha256 !== request.zkeySha256) throw new PinMismatch({ artifact: 'zkey', path: request.zkeyPath, pinnedSha256: request.zkeySha256, actualSha256 });
    given.set(request.zkeySha256, request.zkeyBytes);
  }
  const bytes = given.get(request.zkeySha256);
  if (bytes === undefined) throw new Error(`the in-memory proving key ${request.zkeySha256} was never handed to this worker`);
  return bytes;
}

/** @param {{ id: number; wasmPath: string; zkeyPath: string; wasmSha256: string; zkeySha256: string; input: Record<string, unknown>; inMemoryKey: boolean; zkeyBytes?: Uint8Array }} request */
async function prove(request) {
  detail = '';
  /** @type {'load' | 'witness' | 'prove'} */
  let stage = 'load';
  try {
    const start = performance.now();
    const wasm = await load('wasm', request.wasmPath, request.wasmSha256);
    const zkey = request.inMemoryKey ? inMemoryKey(request) : await load('zkey', request.zkeyPath, request.zkeySha256);
    const loaded = performance.now();
    stage = 'witness';
    const { witness, calculator } = await witnessOf(request.wasmSha256, wasm, request.input);
    const calculated = performance.now();
    stage = 'prove';
    const curveCached = reusedCurve !== null && globalThis.curve_bn128 === reusedCurve;
    const { proof, publicSignals } = await snarkjs.groth16.prove({ type: 'mem', data: zkey }, witness, undefined, { singleThread: singleThread && !curveCached });
    const proved = performance.now();
    if (curveCached && globalThis.curve_bn128 !== reusedCurve) await stopReusingCurve();
    port.postMessage({
      type: 'proved',
      id: request.id,
      proof,
      publicSignals,
      loadMs: loaded - start,
      witnessMs: calculated - loaded,
      proveMs: proved - calculated,
      witnessCalculator: calculator,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof PinMismatch) port.postMessage({ type: 'failed', id: request.id, stage: 'pin', message, detail, pin: error.pin });
    else port.postMessage({ type: 'failed', id: request.id, stage, message, detail });
  }
}

/** The curve cache was not used (snarkjs built a multi-threaded curve): prove single-threaded from now on. */
async function stopReusingCurve() {
  const spawned = globalThis.curve_bn128;
  reusedCurve = null;
  if (spawned) await spawned.terminate();
  globalThis.curve_bn128 = null;
}

async function shutdown() {
  try {
    // snarkjs's multi-threaded curve keeps its threads (and so this one) alive until terminated.
    if (globalThis.curve_bn128) await globalThis.curve_bn128.terminate();
  } finally {
    port.close();
  }
}

port.on('message', (message) => {
  if (message?.type === 'prove') void prove(message);
  else if (message?.type === 'shutdown') void shutdown();
});
port.postMessage({ type: 'ready' });
