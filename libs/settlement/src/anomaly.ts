import type { AnomalyKind, BaselineRecord } from './state/records.js';

/**
 * Anomaly detection on usage: per (creditor, debtor, service), each committed batch's volume
 * against a moving baseline. The baseline is consensus state, so it is integer arithmetic only:
 * an exponentially weighted moving average in fixed point (bigint scaled by 2^FIXED_POINT_BITS,
 * weight 2^-SMOOTHING_SHIFT for the new sample; the shift rounds toward minus infinity, the same
 * on every node). The parameters live here, in one place (a later issue may move them to genesis).
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
