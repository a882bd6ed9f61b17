import { performance } from 'node:perf_hooks';
import cliProgress from 'cli-progress';

/**
 * What the CLI prints, and where. Results (a member's public entry, a summary) go to stdout, so
 * `consortium-setup keys ... > T-Mobile-DE.member.json` saves exactly the entry; progress, notes
 * and errors go to stderr. Each stream is decorated (colour, a line that updates in place) only
 * when it is a terminal and NO_COLOR is unset: piped or logged output stays plain text.
 */

export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export type Environment = Readonly<Record<string, string | undefined>>;

export function isDecorated(stream: OutputStream, env: Environment): boolean {
  return stream.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb';
}

/** "840 ms", "2.4 s", "3 min 5 s": the elapsed time of a step. */
export function formatElapsed(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(Math.round(ms / 100) / 10).toString()} s`;
  const seconds = Math.round(ms / 1_000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

const ansi = (code: number) => (text: string) => `\u001b[${code}m${text}\u001b[0m`;

/** Colours when decorated, the text unchanged when plain. */
export class Style {
  readonly bold: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly green: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly red: (text: string) => string;

  constructor(readonly decorated: boolean) {
    const paint = (code: number) => (decorated ? ansi(code) : (text: string) => text);
    this.bold = paint(1);
    this.dim = paint(2);
    this.green = paint(32);
    this.yellow = paint(33);
    this.red = paint(31);
  }
}

/** Line output on one stream. */
export class Printer {
  readonly style: Style;

  constructor(
    private readonly stream: OutputStream,
    env: Environment,
  ) {
    this.style = new Style(isDecorated(stream, env));
  }

  line(text = ''): void {
    this.stream.write(`${text}\n`);
  }
}

/** Reports a step's progress while it runs (terminal only); receives e.g. "3/8". */
export type ProgressUpdate = (detail: string) => void;

/** What a tracked step (Progress.track) reports while it runs. */
export interface StepProgress {
  /** The share of the step done, 0 to 1; the bar never moves back. */
  fraction(share: number): void;
  /** Added to the final line: "✔ circuit settlement-4: built earlier, 1,729 constraints (90 ms)". */
  outcome(text: string): void;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const BAR_WIDTH = 24;

/** "about 2 min 5 s left", once the share done is enough to extrapolate from. */
export function timeLeft(share: number, elapsedMs: number): string | null {
  if (share < 0.03 || share >= 1 || elapsedMs < 3_000) return null;
  const left = (elapsedMs * (1 - share)) / share;
  return `about ${formatElapsed(Math.max(1_000, Math.round(left / 1_000) * 1_000))} left`;
}

/**
 * The running line of a tracked step. With a share: "⠹ prepare phase 2 (2^14) ███████░░░ 41% · 2 min 1 s · about 2 min 54 s left";
 * without: "⠹ circuit settlement-256 · 12.3 s". Cut to the terminal width.
 */
export function trackLine(style: Style, title: string, share: number | null, elapsedMs: number, width = 80): string {
  const spinner = SPINNER[Math.floor(elapsedMs / 125) % SPINNER.length]!;
  const parts = [formatElapsed(elapsedMs)];
  let bar = '';
  if (share !== null) {
    const filled = Math.round(share * BAR_WIDTH);
    bar = ` ${'█'.repeat(filled)}${style.dim('░'.repeat(BAR_WIDTH - filled))} ${Math.floor(share * 100)}%`;
    const left = timeLeft(share, elapsedMs);
    if (left !== null) parts.push(left);
  }
  const line = `${spinner} ${title}${bar} · ${parts.join(' · ')}`;
  // Leave the last column free: writing into it wraps on some terminals. Colour codes do not take columns.
  // eslint-disable-next-line no-control-regex
  const visible = line.replace(/\u001b\[[0-9;]*m/g, '');
  return visible.length < width ? line : `${visible.slice(0, Math.max(0, width - 2))}…`;
}

/**
 * The steps of a command, one line each: "✔ generate keys for 5 members (84 ms)". On a terminal
 * the line shows "…" while the step runs and is rewritten in place; plain output gets only the
 * final line. A failing step prints "✖ <title>" and rethrows for the top-level catch.
 */
export class Progress {
  private readonly style: Style;

  constructor(
    private readonly stream: OutputStream,
    env: Environment,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.style = new Style(isDecorated(stream, env));
  }

  async step<T>(title: string, run: (update: ProgressUpdate) => Promise<T> | T): Promise<T> {
    const started = this.now();
    const decorated = this.style.decorated;
    const show = (detail: string) => this.stream.write(`\r\u001b[2K${this.style.dim(`… ${title}${detail === '' ? '' : ` ${detail}`}`)}`);
    if (decorated) show('');
    try {
      const result = await run(decorated ? show : () => {});
      this.finish(this.style.green('✔'), title, started);
      return result;
    } catch (error) {
      this.finish(this.style.red('✖'), title, started);
      throw error;
    }
  }

  /**
   * A long step with a progress bar (cli-progress) on a terminal: the bar follows the share done
   * that `run` reports, with the elapsed time and an estimate of the time left; until a share is
   * known (or for work that reports none) a spinner and the elapsed time show it is alive. Ends
   * with the same "✔ title (elapsed)" line as step(), plus what `run` set with `outcome`; plain
   * output gets only that line.
   */
  async track<T>(title: string, run: (progress: StepProgress) => Promise<T>): Promise<T> {
    const started = this.now();
    let done: number | null = null;
    let outcome = '';
    const bar = this.style.decorated
      ? new cliProgress.SingleBar({
          stream: this.stream as NodeJS.WritableStream,
          format: (_options, params) => trackLine(this.style, title, done, this.now() - started, params.maxWidth),
          fps: 8,
          hideCursor: true,
          clearOnComplete: true,
          linewrap: false,
          // cli-progress would swallow Ctrl-C to stop the bar; the process must stop instead.
          gracefulExit: false,
        })
      : null;
    bar?.start(1, 0);
    const reporter: StepProgress = {
      fraction: (share) => {
        done = Math.max(done ?? 0, Math.min(1, Math.max(0, share)));
        bar?.update(done);
      },
      outcome: (text) => {
        outcome = text;
      },
    };
    try {
      const result = await run(reporter);
      bar?.stop();
      this.finish(this.style.green('✔'), `${title}${outcome === '' ? '' : `: ${outcome}`}`, started);
      return result;
    } catch (error) {
      bar?.stop();
      this.finish(this.style.red('✖'), title, started);
      throw error;
    }
  }

  private finish(mark: string, title: string, started: number): void {
    const elapsed = this.style.dim(`(${formatElapsed(this.now() - started)})`);
    this.stream.write(`${this.style.decorated ? '\r\u001b[2K' : ''}${mark} ${title} ${elapsed}\n`);
  }

  /** A line between steps: a warning or a hint. */
  note(text: string): void {
    this.stream.write(`${text}\n`);
  }

  get styled(): Style {
    return this.style;
  }
}

/** The CLI's two streams: results on stdout, progress and notes on stderr. */
export interface Terminal {
  readonly out: Printer;
  readonly progress: Progress;
}

export function terminalOf(stdout: OutputStream, stderr: OutputStream, env: Environment): Terminal {
  return { out: new Printer(stdout, env), progress: new Progress(stderr, env) };
}
