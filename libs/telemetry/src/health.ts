/**
 * The content of /health (liveness: the process runs and its event loop answers) and /ready
 * (readiness: every named check passes, e.g. "synced" and "quorum connected"). Framework-free:
 * any HTTP server mounts them by sending `statusCode` and `body`.
 */

export interface CheckResult {
  readonly ok: boolean;
  /** What the operator should know, especially when the check fails. */
  readonly detail?: string;
}

export type ReadinessCheck = () => CheckResult | Promise<CheckResult>;

export interface HealthResponse<B> {
  readonly statusCode: 200 | 503;
  readonly body: B;
}

export interface LivenessBody {
  readonly status: 'ok';
  readonly uptimeSeconds: number;
}

export interface ReadinessBody {
  readonly status: 'ready' | 'not_ready';
  readonly checks: readonly ({ readonly name: string } & CheckResult)[];
  /** Names of the failing checks, so a probe log says what is wrong at a glance. */
  readonly failing: readonly string[];
}

export class DuplicateCheckError extends Error {
  override readonly name = 'DuplicateCheckError';
}

/** A check that neither answers nor fails within this time counts as failed. */
const DEFAULT_CHECK_TIMEOUT_MS = 2_000;

export class HealthChecks {
  private readonly checks = new Map<string, ReadinessCheck>();

  constructor(
    private readonly uptimeSeconds: () => number = () => process.uptime(),
    private readonly checkTimeoutMs: number = DEFAULT_CHECK_TIMEOUT_MS,
  ) {}

  addReadinessCheck(name: string, check: ReadinessCheck): void {
    if (this.checks.has(name)) throw new DuplicateCheckError(`readiness check "${name}" is already registered`);
    this.checks.set(name, check);
  }

  liveness(): HealthResponse<LivenessBody> {
    return { statusCode: 200, body: { status: 'ok', uptimeSeconds: Math.floor(this.uptimeSeconds()) } };
  }

  async readiness(): Promise<HealthResponse<ReadinessBody>> {
    const names = [...this.checks.keys()];
    const results = await Promise.all([...this.checks.values()].map((check) => this.runCheck(check)));
    const checks = names.map((name, i) => ({ name, ...(results[i] as CheckResult) }));
    const failing = checks.filter((check) => !check.ok).map((check) => check.name);
    const ready = failing.length === 0;
    return { statusCode: ready ? 200 : 503, body: { status: ready ? 'ready' : 'not_ready', checks, failing } };
  }

  private async runCheck(check: ReadinessCheck): Promise<CheckResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<CheckResult>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${this.checkTimeoutMs} ms` }), this.checkTimeoutMs);
    });
    try {
      return await Promise.race([Promise.resolve().then(check), timeout]);
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
  }
}
