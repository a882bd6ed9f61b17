import { TargetsFileError } from '../errors.js';
import { modifiedMs, readTargets, type ReadTargetsOptions, type Targets } from './targets.js';

/**
 * The current member list from a file: read once it exists (a devnet's endpoints.json appears
 * when every node is ready), then re-read whenever its modification time changes (`npm start`
 * rewrites it when the traffic generator or the dashboard joins, a restarted devnet rewrites it
 * whole). A rewrite that does not parse keeps the last good list (and is reported).
 */
export class TargetsFollower {
  private current: Targets | null = null;
  private lastModifiedMs: number | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly file: string,
    private readonly adjust: (targets: Targets) => Targets = (targets) => targets,
    private readonly onError: (error: TargetsFileError) => void = () => {},
    private readonly readOptions: ReadTargetsOptions = {},
  ) {}

  /** Resolves with the first good list; polls every `pollMs` until the file exists and parses, or `signal` aborts. */
  async first(pollMs: number, signal: AbortSignal): Promise<Targets> {
    for (;;) {
      await this.refresh();
      if (this.current !== null) return this.current;
      if (signal.aborted) throw signal.reason;
      await new Promise((done) => setTimeout(done, pollMs));
    }
  }

  /** Keeps re-reading every `pollMs` while it runs. */
  follow(pollMs: number): void {
    this.timer ??= setInterval(() => void this.refresh(), pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  get targets(): Targets {
    if (this.current === null) throw new TargetsFileError(`${this.file} has not been read yet`);
    return this.current;
  }

  /** Re-reads the file if it changed since the last read. */
  async refresh(): Promise<void> {
    const modified = await modifiedMs(this.file);
    if (modified === null || modified === this.lastModifiedMs) return;
    try {
      const targets = this.adjust(await readTargets(this.file, this.readOptions));
      this.lastModifiedMs = modified;
      // Same members, same addresses and tokens: keep the object, so the event streams are not restarted.
      if (this.current === null || JSON.stringify(this.current) !== JSON.stringify(targets)) this.current = targets;
    } catch (error) {
      if (!(error instanceof TargetsFileError)) throw error;
      this.lastModifiedMs = modified;
      this.onError(error);
    }
  }
}
