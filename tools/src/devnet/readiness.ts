import { fetchJson } from './processes.js';
import { waitFor, WAIT_DEADLINES_MS } from './wait.js';

/** A node's /ready answer: "ready", or the checks that fail. */
interface ReadinessBody {
  readonly status?: string;
  readonly checks?: readonly { readonly name: string; readonly ok: boolean; readonly detail?: string }[];
}

/** "ready", or the failing checks with their details, or "not answering". */
function describeReadiness(body: ReadinessBody | null): string {
  if (body === null) return 'not answering';
  if (body.status === 'ready') return 'ready';
  const failing = (body.checks ?? []).filter((check) => !check.ok).map((check) => `${check.name}: ${check.detail ?? 'failing'}`);
  return `not ready (${failing.join('; ') || String(body.status)})`;
}

/** Waits until every node answers /ready with "ready"; a timeout says what each one last answered. */
export async function waitReady(nodes: readonly { readonly memberId: string; readonly httpUrl: string }[], timeoutMs: number = WAIT_DEADLINES_MS.progress): Promise<void> {
  await waitFor(`${nodes.map((node) => node.memberId).join(', ')} ready`, async () => {
    const bodies = await Promise.all(nodes.map(async (node) => (await fetchJson(`${node.httpUrl}/ready`)) as ReadinessBody | null));
    return {
      done: bodies.every((body) => body?.status === 'ready'),
      seen: nodes.map((node, i) => `${node.memberId} ${describeReadiness(bodies[i] ?? null)}`).join(', '),
    };
  }, timeoutMs);
}
