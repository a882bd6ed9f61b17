import { performance } from 'node:perf_hooks';

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
    const finish = (mark: string) => {
      const elapsed = this.style.dim(`(${formatElapsed(this.now() - started)})`);
      this.stream.write(`${decorated ? '\r\u001b[2K' : ''}${mark} ${title} ${elapsed}\n`);
    };
    try {
      const result = await run(decorated ? show : () => {});
      finish(this.style.green('✔'));
      return result;
    } catch (error) {
      finish(this.style.red('✖'));
      throw error;
    }
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
