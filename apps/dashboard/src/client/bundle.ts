/**
 * The browser client, bundled in memory when the dashboard process first serves it: esbuild
 * (a native binary, ~1 s on this machine) turns `main.ts` and its imports (preact, uPlot,
 * cytoscape, our CSS) into one minified script and one stylesheet. No build step, no generated
 * files in the repository: `npx consortium-dashboard` serves the client from a fresh clone.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** What the server serves at `/`, `/app.js` and `/app.css`. */
export interface ClientBundle {
  readonly html: string;
  readonly js: string;
  readonly css: string;
}

/** The bundler failed (a syntax error in the client or a missing dependency): the dashboard cannot serve its page. */
export class ClientBundleError extends Error {
  override readonly name = 'ClientBundleError';
  constructor(
    message: string,
    /** esbuild's messages, one per problem, with file and line. */
    readonly problems: readonly string[],
  ) {
    super(message);
  }
}

/** Paths the shell page loads; the server routes them (protocol.ts). */
export const CLIENT_SCRIPT_PATH = '/app.js';
export const CLIENT_STYLE_PATH = '/app.css';

let cached: Promise<ClientBundle> | null = null;

/** The bundle, built once per process; concurrent first callers share the one build. A failed build is not cached. */
export function bundleClient(): Promise<ClientBundle> {
  if (cached === null) {
    cached = buildClient();
    cached.catch(() => {
      cached = null;
    });
  }
  return cached;
}

/** Where `main.ts` is: beside this file when run from source, under `src/client` when run from `dist/client`. */
export function clientEntryPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'main.ts'), join(here, '..', '..', 'src', 'client', 'main.ts')];
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined) throw new ClientBundleError(`the client entry main.ts is in none of: ${candidates.join(', ')}`, []);
  return found;
}

async function buildClient(): Promise<ClientBundle> {
  const entry = clientEntryPath();
  let result;
  try {
    result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      minify: true,
      format: 'iife',
      platform: 'browser',
      // Chromium of Debian 12 and every evergreen browser of the last two years.
      target: ['es2022'],
      // esbuild needs an output folder to name the JS and the CSS it splits off; nothing is written.
      outdir: 'client-bundle',
      define: { 'process.env.NODE_ENV': '"production"' },
      legalComments: 'eof',
      logLevel: 'silent',
      absWorkingDir: dirname(entry),
    });
  } catch (error) {
    const problems = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors ?? [];
    throw new ClientBundleError(
      `bundling the dashboard client failed: ${(error as Error).message}`,
      problems.map((problem) => (problem.location ? `${problem.location.file}:${problem.location.line}: ${problem.text}` : problem.text)),
    );
  }
  const js = result.outputFiles.find((file) => file.path.endsWith('.js'));
  const css = result.outputFiles.find((file) => file.path.endsWith('.css'));
  if (js === undefined || css === undefined) {
    throw new ClientBundleError(`bundling the dashboard client gave ${result.outputFiles.map((file) => file.path).join(', ')}, not one .js and one .css`, []);
  }
  return { html: shellPage(), js: js.text, css: css.text };
}

/** The page the client mounts into; everything else comes from the script. */
function shellPage(): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>SP Consortium Chain: dashboard</title>',
    // No favicon request (a 404 in every page's console).
    '<link rel="icon" href="data:,">',
    `<link rel="stylesheet" href="${CLIENT_STYLE_PATH}">`,
    `<script defer src="${CLIENT_SCRIPT_PATH}"></script>`,
    '</head>',
    '<body>',
    '<div id="app" data-testid="app">Loading the dashboard...</div>',
    '<noscript>The dashboard needs JavaScript.</noscript>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
