/**
 * How far a long snarkjs call has got, read from the lines it writes to its `logger`. snarkjs
 * has no progress API: its ceremony functions log "processing: tauG1: 8192/32767",
 * "tauG2: fft 13 mix end: 1/2", "Writing points end B2: 4096/11042" and similar. Each tracker
 * knows the lines of one function, in the order it writes them, and turns them into the share
 * of the work done (0 to 1), weighting each part by what it costs (a G2 point about three times
 * a G1 point, an FFT over 2^p points about p * 2^p, shares measured at 2^11 and 2^14). Pure, so
 * each tracker is tested with lines snarkjs really wrote (test/unit/fixtures).
 *
 * The share is an estimate for a progress bar, nothing more: it never goes backwards, and it is
 * null until the first line with numbers arrives (the caller then shows the elapsed time only).
 */

export interface ProgressTracker {
  /** Reads one logger line; returns the share done so far (0..1), or null while unknown. */
  feed(line: string): number | null;
  readonly done: number | null;
}

/** The snarkjs calls whose lines are understood. */
export type SnarkjsTask = 'ptau-new' | 'ptau-contribute' | 'ptau-beacon' | 'prepare-phase2' | 'new-zkey' | 'zkey-contribute' | 'zkey-beacon';

/** Relative cost of a G2 operation to a G1 one (measured: 0.16 ms vs 0.05 ms per scalar multiplication). */
const G2_COST = 3;

/**
 * A tracker for `task` at powers of tau 2^power. `preparedDomains` (prepare-phase2 only): per
 * section, the domains (log2) prepared when only some are (preparePhase2ForDomains); all of
 * 0..power by default, as snarkjs's preparePhase2 does.
 */
export function snarkjsProgress(task: SnarkjsTask, power: number, preparedDomains?: Readonly<Record<string, readonly number[]>>): ProgressTracker {
  switch (task) {
    case 'ptau-new':
      return new StagedProgress(newAccumulatorStages(power));
    case 'ptau-contribute':
      return new StagedProgress(ptauStages(/processing: (\w+): (\d+)\/(\d+)/));
    case 'ptau-beacon':
      // "applying keytauG1: 0/4095" (sic: no space), then a quick "Hashing tauG1: 0/4095".
      return new StagedProgress(ptauStages(/applying key ?(\w+): (\d+)\/(\d+)/));
    case 'prepare-phase2':
      return new PreparePhase2Progress(power, preparedDomains);
    case 'new-zkey':
      return new StagedProgress(NEW_ZKEY_STAGES);
    case 'zkey-contribute':
    case 'zkey-beacon':
      return new StagedProgress(ZKEY_KEY_STAGES);
  }
}

interface Stage {
  /** Which stage a line belongs to. */
  readonly name: string;
  readonly weight: number;
}

/** The stages of one snarkjs function, in order, and where a line of it puts the work. */
interface Stages {
  readonly list: readonly Stage[];
  readonly locate: (line: string) => Position | null;
}

/**
 * Where a line says the work is: a stage and, when the line has them, i of n within it. A plain
 * line ("processing: tauG1: 8192/32767") says the work is at i; a chunk line says a chunk that
 * starts at i has started or ended ("Writing points end B2: 0/11042").
 */
interface Position {
  readonly stage: string;
  readonly at?: number;
  readonly of?: number;
  readonly chunk?: 'start' | 'end';
}

/**
 * Work in stages done one after the other (sections of a file, phases of a function); a line
 * places the work in a stage, and "i/n" in it says how far that stage is.
 */
class StagedProgress implements ProgressTracker {
  private readonly offsets = new Map<string, { readonly before: number; readonly weight: number }>();
  private readonly total: number;
  done: number | null = null;

  constructor(private readonly stages: Stages) {
    let before = 0;
    for (const stage of stages.list) {
      this.offsets.set(stage.name, { before, weight: stage.weight });
      before += stage.weight;
    }
    this.total = before;
  }

  /** Chunks of the current stage: where each started, and which have ended. */
  private chunks: { stage: string; starts: number[]; ended: Set<number> } | null = null;

  feed(line: string): number | null {
    const position = this.stages.locate(line);
    const offset = position === null ? undefined : this.offsets.get(position.stage);
    if (position === null || offset === undefined) return this.done;
    const { at, of } = position;
    let within = 0;
    if (at !== undefined && of !== undefined && of > 0) within = position.chunk === undefined ? at / of : this.chunkShare(position.stage, position.chunk, at, of);
    return this.advance((offset.before + offset.weight * Math.min(1, within)) / this.total);
  }

  /**
   * The share of a stage done in chunks: the ended chunks' lengths over n. A chunk runs to the
   * next chunk's start; the last one seen so far is taken to be as long as the one before it
   * (chunks are started a few at a time), or to run to n when it is the only one.
   */
  private chunkShare(stage: string, kind: 'start' | 'end', at: number, of: number): number {
    if (this.chunks?.stage !== stage) this.chunks = { stage, starts: [], ended: new Set() };
    const chunks = this.chunks;
    if (!chunks.starts.includes(at)) chunks.starts = [...chunks.starts, at].sort((a, b) => a - b);
    if (kind === 'end') chunks.ended.add(at);
    let done = 0;
    for (const start of chunks.ended) {
      const i = chunks.starts.indexOf(start);
      const next = chunks.starts[i + 1];
      const previous = chunks.starts[i - 1];
      done += next !== undefined ? next - start : previous !== undefined ? Math.min(of - start, start - previous) : of - start;
    }
    return done / of;
  }

  private advance(share: number): number {
    this.done = Math.max(this.done ?? 0, Math.min(1, share));
    return this.done;
  }
}

/**
 * The sections of a powers-of-tau file, as a contribution and a beacon process them: 2^(p+1)
 * tau G1 points, 2^p tau G2, 2^p alpha-tau G1, 2^p beta-tau G1, one beta G2.
 */
function ptauStages(pattern: RegExp): Stages {
  return {
    list: [
      { name: 'tauG1', weight: 2 },
      { name: 'tauG2', weight: G2_COST },
      { name: 'alphaTauG1', weight: 1 },
      { name: 'betaTauG1', weight: 1 },
      { name: 'betaTauG2', weight: 0 },
    ],
    locate: (line) => {
      const match = pattern.exec(line);
      return match === null ? null : { stage: match[1]!, at: Number(match[2]), of: Number(match[3]) };
    },
  };
}

/**
 * powersOfTau.newAccumulator writes the generator into every point of each section; from 2^16
 * on it logs "tauG1: 100000" every 100,000 points (no total: it follows from the power). A G2
 * point is twice the bytes of a G1 one.
 */
function newAccumulatorStages(power: number): Stages {
  const points: Record<string, number> = { tauG1: 2 ** (power + 1) - 1, tauG2: 2 ** power, alphaTauG1: 2 ** power, betaTauG1: 2 ** power };
  return {
    list: [
      { name: 'tauG1', weight: 2 },
      { name: 'tauG2', weight: 2 },
      { name: 'alphaTauG1', weight: 1 },
      { name: 'betaTauG1', weight: 1 },
    ],
    locate: (line) => {
      const match = /^(tauG1|tauG2|alphaTauG1|betaTauG1): (\d+)$/.exec(line);
      return match === null ? null : { stage: match[1]!, at: Number(match[2]), of: points[match[1]!]! };
    },
  };
}

/**
 * zKey.newZKey: reads the r1cs and the ptau, then writes the proving key's sections; the point
 * sections C, A, B1 (G1) and B2 (G2) are nearly all of the time. Their shares depend on the
 * circuit (C, one multi-exponentiation per private signal, took 18% at settlement-4 and 37% at
 * settlement-64; B2 51% and 31%): the weights, in percent, lie between the two.
 */
const NEW_ZKEY_STAGES: Stages = {
  list: [
    { name: 'constraints', weight: 1.5 },
    { name: 'coeffs', weight: 1 },
    { name: 'IC', weight: 0.5 },
    { name: 'H', weight: 0.5 },
    { name: 'C', weight: 28 },
    { name: 'A', weight: 13 },
    { name: 'B1', weight: 16 },
    { name: 'B2', weight: 40 },
  ],
  locate: (line) => {
    const numbers = (match: RegExpExecArray, stage: string): Position => ({ stage, at: Number(match[match.length - 2]), of: Number(match[match.length - 1]) });
    let match: RegExpExecArray | null;
    if ((match = /processing constraints: (\d+)\/(\d+)/.exec(line)) !== null) return numbers(match, 'constraints');
    if ((match = /writing coeffs: (\d+)\/(\d+)/.exec(line)) !== null) return numbers(match, 'coeffs');
    if ((match = /(?:splitting buffer|HashingHPoints): (\d+)\/(\d+)/.exec(line)) !== null) return numbers(match, 'H');
    if ((match = /Writing points (start|end) (IC|C|A|B1|B2): (\d+)\/(\d+)/.exec(line)) !== null) return { ...numbers(match, match[2]!), chunk: match[1] === 'end' ? 'end' : 'start' };
    return null;
  },
};

/** zKey.contribute and zKey.beacon: the L section (one G1 point per private signal), then H (one per domain point). */
const ZKEY_KEY_STAGES: Stages = {
  list: [
    { name: 'L', weight: 1 },
    { name: 'H', weight: 1 },
  ],
  locate: (line) => {
    const match = /Applying key:? (L|H) Section: (\d+)\/(\d+)/.exec(line);
    return match === null ? null : { stage: match[1]!, at: Number(match[2]), of: Number(match[3]) };
  },
};

/**
 * The four sections powersOfTau.preparePhase2 transforms, in order: their share of the time
 * (measured at 2^11 and 2^14: tauG1, which goes one power further, takes about 1.6 times a G1
 * section of the ptau's power; tauG2 about 3.5 times) and how far past the ptau's power each goes.
 */
const PREPARE_SECTIONS = [
  { name: 'tauG1', weight: 1.6, extraPower: 1 },
  { name: 'tauG2', weight: 3.5, extraPower: 0 },
  { name: 'alphaTauG1', weight: 1, extraPower: 0 },
  { name: 'betaTauG1', weight: 1, extraPower: 0 },
] as const;

/** Cost of an FFT over 2^bits points, up to a constant. */
const fftCost = (bits: number) => Math.max(1, bits) * 2 ** bits;

/**
 * powersOfTau.preparePhase2: for each section, an inverse FFT over 2^p points for every p from 0
 * to the power (the largest dominates). Its lines: "Starting section: tauG2", then per FFT
 * "tauG2: fft 13 mix start: 0/2", "... mix end: 1/2" (the first log2(2^bits / chunks) butterfly
 * levels, in chunks), "tauG2: fft  13  join: 12/13" (each further level) and
 * "tauG2: fft 13 join  12/13  1/1 0/1" (a part of a level done).
 */
class PreparePhase2Progress implements ProgressTracker {
  /** Per section: where it starts in the whole, its weight, and the domains (log2) it transforms, in order. */
  private readonly sectionStart = new Map<string, { readonly before: number; readonly weight: number; readonly domains: readonly number[]; readonly cost: number }>();
  private readonly total: number;
  /** The FFT running now, and what of it is done. */
  private fft: { section: string; bits: number; mixEnds: Set<number>; joinEnds: Map<number, number> } | null = null;
  done: number | null = null;

  constructor(power: number, preparedDomains?: Readonly<Record<string, readonly number[]>>) {
    let before = 0;
    for (const section of PREPARE_SECTIONS) {
      const domains = preparedDomains?.[section.name] ?? Array.from({ length: power + section.extraPower + 1 }, (_, p) => p);
      // A section with nothing to transform takes no time.
      const weight = domains.length === 0 ? 0 : section.weight;
      this.sectionStart.set(section.name, { before, weight, domains, cost: this.costBelow(domains, Number.POSITIVE_INFINITY) });
      before += weight;
    }
    this.total = before;
  }

  /** Cost of the section's FFTs over domains smaller than 2^bits. */
  private costBelow(domains: readonly number[], bits: number): number {
    let sum = 0;
    for (const p of domains) if (p < bits) sum += fftCost(p);
    return sum;
  }

  feed(line: string): number | null {
    const starting = /Starting section: (\w+)/.exec(line);
    if (starting !== null) return this.at(starting[1]!, 0, 0);

    const fft = /(\w+?)(?: t0| t1| prep)?: fft +(\d+) +(mix start|mix end|join):? +(\d+)\/(\d+)(?: +(\d+)\/(\d+) +(\d+)\/(\d+))?/.exec(line);
    if (fft === null) return this.done;
    const [, section, bitsText, kind, a, b, groupText, groupsText, , partsText] = fft;
    const bits = Number(bitsText);
    let current = this.fft;
    if (current === null || current.section !== section || current.bits !== bits) {
      current = { section: section!, bits, mixEnds: new Set(), joinEnds: new Map() };
      this.fft = current;
    }
    if (bits === 0) return this.at(section!, bits, kind === 'mix end' ? 1 : 0);
    const chunks = Number(b);
    const mixShare = kind === 'join' ? 0 : Math.max(0, bits - Math.log2(chunks)) / bits;
    if (kind === 'mix start') return this.at(section!, bits, 0);
    if (kind === 'mix end') {
      current.mixEnds.add(Number(a));
      return this.at(section!, bits, (mixShare * current.mixEnds.size) / chunks);
    }
    // A join level: "join: i/bits" starts level i; "join  i/bits  j/groups k/parts" ends one part of it.
    const level = Number(a);
    if (groupText === undefined) return this.at(section!, bits, (level - 1) / bits);
    const parts = Number(groupsText) * Number(partsText);
    const ended = (current.joinEnds.get(level) ?? 0) + 1;
    current.joinEnds.set(level, ended);
    return this.at(section!, bits, (level - 1 + Math.min(1, parts > 0 ? ended / parts : 1)) / bits);
  }

  /** The work is in `section`, at the FFT over 2^bits, which is `within` (0..1) done. */
  private at(section: string, bits: number, within: number): number | null {
    const start = this.sectionStart.get(section);
    if (start === undefined) return this.done;
    if (start.cost === 0) return this.done;
    const inSection = Math.min(1, (this.costBelow(start.domains, bits) + within * fftCost(bits)) / start.cost);
    const share = (start.before + start.weight * inSection) / this.total;
    this.done = Math.max(this.done ?? 0, Math.min(1, share));
    return this.done;
  }
}
