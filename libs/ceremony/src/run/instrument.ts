import type { Tracer } from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import { spanCatalogue, type CeremonyMetrics } from '@consortium/telemetry';
import { SetupStepError } from '@consortium/zkp';
import { CeremonyError } from '../errors.js';
import type { Lane } from '../transcript/entries.js';

/** Where the ceremony's steps report: metrics of the `ceremony` area and `ceremony.step` spans; either may be absent (a CLI run). */
export interface CeremonyTelemetry {
  readonly metrics?: CeremonyMetrics | null | undefined;
  readonly tracer?: Tracer | null | undefined;
}

export type CeremonyStepName = 'open' | 'prepare' | 'contribute' | 'skip' | 'beacon' | 'accept' | 'verify';

const laneLabel = (lane: Lane | null) => (lane === null ? 'all' : lane.phase === 1 ? 'phase1' : `phase2/${lane.circuit}`);

/**
 * Runs one step with its span and metrics: its time, and its outcome: done, refused (the
 * ceremony's checks said no: a CeremonyError or snarkjs's refusal; nothing changed) or failed.
 */
export async function instrumentStep<T>(
  telemetry: CeremonyTelemetry | undefined,
  step: { readonly name: CeremonyStepName; readonly ceremonyId: string; readonly lane: Lane | null; readonly member: string },
  body: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  const span =
    telemetry?.tracer?.startSpan(spanCatalogue.ceremonyStep.name, {
      attributes: { 'ceremony.id': step.ceremonyId, 'ceremony.step': step.name, 'ceremony.lane': laneLabel(step.lane), 'ceremony.member': step.member },
    }) ?? null;
  let outcome: 'done' | 'refused' | 'failed' = 'failed';
  try {
    const result = await body();
    outcome = 'done';
    return result;
  } catch (error) {
    outcome = error instanceof CeremonyError || error instanceof SetupStepError ? 'refused' : 'failed';
    span?.recordException(error as Error);
    span?.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    telemetry?.metrics?.stepDurationSeconds.observe({ step: step.name }, (performance.now() - started) / 1000);
    telemetry?.metrics?.stepsTotal.inc({ step: step.name, outcome });
    span?.setAttribute('ceremony.outcome', outcome);
    span?.end();
  }
}
