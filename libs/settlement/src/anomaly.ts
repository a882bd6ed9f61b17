import { SETTLEMENT_SERVICES, type SettlementService } from '@consortium/zkp';
import type { RecordBatch } from './records/types.js';
import { batchVolumes } from './records/volumes.js';

/**
 * Anomaly detection on usage: per (creditor, debtor, service), each committed batch's volume
 * against a moving baseline. It runs on the two parties' nodes only, on the records they hold
 * (the volumes never go on chain: with the statements' totals they would give away the rates,
 * T33), and both parties must raise the same anomalies for the same batches, so it is integer
 * arithmetic only: an exponentially weighted moving average in fixed point (bigint scaled by
 * 2^FIXED_POINT_BITS, weight 2^-SMOOTHING_SHIFT for the new sample; the shift rounds toward
 * minus infinity, the same on every node). The parameters live here, in one place.
 */
export const ANOMALY_PARAMS = {
  /** Batches observed before anything is judged: a baseline of one or two batches means little. */
  warmupBatches: 4,
  /** A volume above spikeFactor x baseline is a spike (SIM-box fraud, a misconfigured partner). */
  spikeFactor: 3n,
  /** Charging units under which a volume is too small to call a spike, and a baseline too small to call a drop to zero. */
  floorUnits: 10n,
  /** New sample weight 1/4: about the last eight batches shape the baseline. */
  smoothingShift: 2n,
  fixedPointBits: 16n,
} as const;

/** The moving baseline of one (creditor, debtor, service): an EWMA in fixed point. */
export interface BaselineRecord {
  readonly ewmaScaled: bigint;
  readonly samples: number;
}

export const ANOMALY_KINDS = ['spike', 'drop'] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export interface VolumeObservation {
  readonly baseline: BaselineRecord;
  /** The anomaly this volume is, judged against the baseline before it; null when none. */
  readonly anomaly: AnomalyKind | null;
  /** The baseline it was judged against, in charging units (rounded down). */
  readonly baselineUnits: bigint;
}

/** Judges `volume` against `previous` (undefined: the first batch), then folds it into the baseline. */
export function observeVolume(previous: BaselineRecord | undefined, volume: bigint, params = ANOMALY_PARAMS): VolumeObservation {
  const scaled = volume << params.fixedPointBits;
  if (previous === undefined) return { baseline: { ewmaScaled: scaled, samples: 1 }, anomaly: null, baselineUnits: 0n };
  const baselineUnits = previous.ewmaScaled >> params.fixedPointBits;
  let anomaly: AnomalyKind | null = null;
  if (previous.samples >= params.warmupBatches) {
    if (volume >= params.floorUnits && scaled > params.spikeFactor * previous.ewmaScaled) anomaly = 'spike';
    else if (volume === 0n && previous.ewmaScaled > params.floorUnits << params.fixedPointBits) anomaly = 'drop';
  }
  // Every sample, anomalous or not, moves the baseline: a lasting change of level becomes the
  // new normal after a few batches instead of raising an anomaly on every batch.
  const ewmaScaled = previous.ewmaScaled + ((scaled - previous.ewmaScaled) >> params.smoothingShift);
  return { baseline: { ewmaScaled, samples: previous.samples + 1 }, anomaly, baselineUnits };
}

/** The baselines of one direction (creditor -> debtor), by service; a service never observed has none. */
export type DirectionBaselines = Readonly<Partial<Record<SettlementService, BaselineRecord>>>;

/** One service's anomaly in a batch: what it was (in charging units) against what it was judged by. */
export interface VolumeAnomaly {
  readonly kind: AnomalyKind;
  readonly service: SettlementService;
  /** The batch's volume of the service, in charging units. */
  readonly volume: bigint;
  /** The baseline it was compared with, in charging units (rounded down). */
  readonly baseline: bigint;
}

export interface RecordBatchObservation {
  /** Every service's baseline after the batch (each service is observed in every batch, a missing one as 0). */
  readonly baselines: Readonly<Record<SettlementService, BaselineRecord>>;
  /** The batch's anomalies, in SETTLEMENT_SERVICES order. */
  readonly anomalies: readonly VolumeAnomaly[];
}

/**
 * Observes one batch of a direction: its volume per service (batchVolumes over the records),
 * each judged against and folded into that service's baseline. Pure: the caller keeps the
 * baselines and calls it once per batch, in the direction's on-chain commit order, so the two
 * parties, each with the same records, fold the same sequence and raise the same anomalies.
 */
export function observeRecordBatch(baselines: DirectionBaselines, batch: Pick<RecordBatch, 'records'>, params = ANOMALY_PARAMS): RecordBatchObservation {
  const volumes = batchVolumes(batch);
  const next = {} as Record<SettlementService, BaselineRecord>;
  const anomalies: VolumeAnomaly[] = [];
  for (const service of SETTLEMENT_SERVICES) {
    const observation = observeVolume(baselines[service], volumes[service], params);
    next[service] = observation.baseline;
    if (observation.anomaly !== null) anomalies.push({ kind: observation.anomaly, service, volume: volumes[service], baseline: observation.baselineUnits });
  }
  return { baselines: next, anomalies };
}
