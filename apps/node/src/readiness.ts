import type { ConsensusNode, Genesis } from '@consortium/consensus';
import type { P2PNode } from '@consortium/p2p';
import type { HealthChecks } from '@consortium/telemetry';

/** A node at most this many heights behind its most advanced peer still counts as synced. */
const SYNCED_LAG_HEIGHTS = 2;

/**
 * /ready means "this node takes part in consensus": consensus has not halted, it is synced with
 * its peers (as far as their certificates prove), and it is connected to members holding (with
 * itself) a quorum of voting power.
 */
export function addReadinessChecks(health: HealthChecks, genesis: Genesis, memberId: string, consensus: ConsensusNode, p2p: P2PNode): void {
  const totalPower = genesis.members.reduce((sum, member) => sum + member.votingPower, 0);
  const quorumPower = Math.floor((2 * totalPower) / 3) + 1;
  const powerOf = (id: string) => genesis.members.find((member) => member.id === id)?.votingPower ?? 0;

  health.addReadinessCheck('consensus_running', () => {
    const halted = consensus.halted;
    return halted === null ? { ok: true, detail: 'consensus running' } : { ok: false, detail: `consensus halted: ${halted.message}` };
  });

  health.addReadinessCheck('synced', () => {
    const status = consensus.status();
    const lag = status.highestPeerCommittedHeight - status.committedHeight;
    if (status.syncing) return { ok: false, detail: `block sync in progress: at height ${status.committedHeight}, peers at ${status.highestPeerCommittedHeight}` };
    if (lag > SYNCED_LAG_HEIGHTS) return { ok: false, detail: `${lag} heights behind the most advanced peer` };
    return { ok: true, detail: `committed height ${status.committedHeight}` };
  });

  health.addReadinessCheck('quorum_connected', () => {
    const connected = p2p.connectedMembers();
    const power = powerOf(memberId) + connected.reduce((sum, id) => sum + powerOf(id), 0);
    const detail = `connected to ${connected.length} of ${genesis.members.length - 1} members: ${power} of ${totalPower} voting power with this node, ${quorumPower} needed`;
    return { ok: power >= quorumPower, detail };
  });
}
