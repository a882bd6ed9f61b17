import { UpstreamResponseError } from '../errors.js';

/**
 * GET with a deadline and a byte bound, for everything the dashboard reads from a node or from
 * Prometheus: the body is read chunk by chunk and the request aborted as soon as it passes
 * `bytesMax`, so a broken or hostile upstream cannot fill the dashboard's memory.
 */
export async function fetchText(url: string, options: { readonly token?: string; readonly timeoutMs: number; readonly bytesMax: number; readonly accept?: string }): Promise<string> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
  try {
    const response = await fetch(url, {
      signal: controller.signal,
      headers: { ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }), ...(options.accept === undefined ? {} : { accept: options.accept }) },
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new UpstreamResponseError(`GET ${url}: HTTP ${response.status}`, url, response.status);
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > options.bytesMax) {
      await response.body?.cancel();
      throw new UpstreamResponseError(`GET ${url}: ${declared} bytes, at most ${options.bytesMax}`, url, response.status);
    }
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    for await (const chunk of (response.body ?? []) as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      if (bytes > options.bytesMax) {
        controller.abort();
        throw new UpstreamResponseError(`GET ${url}: more than ${options.bytesMax} bytes`, url, response.status);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    clearTimeout(timer);
  }
}

export async function fetchJson(url: string, options: { readonly token?: string; readonly timeoutMs: number; readonly bytesMax: number }): Promise<unknown> {
  const body = await fetchText(url, { ...options, accept: 'application/json' });
  try {
    return JSON.parse(body);
  } catch {
    throw new UpstreamResponseError(`GET ${url}: the answer is not JSON`, url, 200);
  }
}

/** The reason of a failed request in a few words (for a card's `reason`): the system error code when there is one. */
export function describeFailure(error: unknown): string {
  if (error instanceof UpstreamResponseError) return error.status === null ? error.message : `HTTP ${error.status}`;
  const cause = (error as { cause?: { code?: unknown; errors?: { code?: unknown }[]; message?: unknown } }).cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  if (typeof code === 'string') return code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
