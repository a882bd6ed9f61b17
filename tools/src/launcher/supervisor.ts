import { ComponentExitedError } from './errors.js';

/**
 * The processes a local consortium runs, supervised as one: started together, watched while they
 * run, stopped together. A node is one component; the traffic generator (and the dashboard)
 * join as further components with the same four operations.
 */
export interface Component {
  readonly name: string;
  /** The log the component writes, quoted when it dies. */
  readonly logFile: string;
  /** Starts it and resolves once it serves (a node: answers /health); rejects when it cannot start. */
  start(): Promise<void>;
  /** Stops it gracefully, forcing it after a deadline; resolves once it exited. A no-op when it does not run. */
  stop(): Promise<void>;
  /** Forces it to stop now (a second Ctrl-C). */
  kill(): Promise<void>;
  /** Calls `listener` when it exits, however it ends ("code 3", "signal SIGKILL"). */
  onExit(listener: (exit: string) => void): void;
  /** The last lines of its log. */
  logTail(): Promise<string>;
}

export class Supervisor {
  private stopping = false;
  private reportDeath: ((error: ComponentExitedError) => void) | null = null;
  /** Settles with the first component that exits on its own after start(); never while the supervisor stops them. */
  readonly died: Promise<ComponentExitedError>;

  constructor(readonly components: readonly Component[]) {
    this.died = new Promise((resolve) => (this.reportDeath = resolve));
    for (const component of components) {
      component.onExit((exit) => {
        if (this.stopping) return;
        void component.logTail().then((tail) => this.reportDeath?.(new ComponentExitedError(component.name, exit, component.logFile, tail)));
      });
    }
  }

  /**
   * Starts every component at once, reporting each as it serves; if one cannot start, the
   * others are stopped before its error is thrown, so nothing outlives a failed start.
   */
  async startAll(onStarted: (component: Component) => void): Promise<void> {
    const outcomes = await Promise.allSettled(
      this.components.map(async (component) => {
        await component.start();
        onStarted(component);
      }),
    );
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed !== undefined) {
      await this.stopAll();
      throw failed.reason;
    }
  }

  /** Stops every component (in parallel: each has its own deadline). Exits from now on are expected. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.components.map(async (component) => component.stop()));
  }

  /** Kills every component now. */
  async killAll(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.components.map(async (component) => component.kill()));
  }
}
