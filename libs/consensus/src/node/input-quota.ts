import type { MemberId } from '../genesis/types.js';

/**
 * What each peer may have waiting for the consensus routine: tasks and bytes. A peer past its
 * share has its new messages dropped (counted), so one member flooding authenticated messages
 * can neither grow the queue without bound nor crowd out the others. Honest peers stay far
 * below it: a stalled height's relay is bounded per tick (limits table).
 */
export class InputQuota {
  private readonly byPeer = new Map<MemberId, { tasks: number; bytes: number }>();
  private totalTasks = 0;
  private totalBytes = 0;

  constructor(
    readonly tasksPerPeer: number,
    readonly bytesPerPeer: number,
  ) {}

  tryTake(peer: MemberId, bytes: number): boolean {
    const share = this.byPeer.get(peer) ?? { tasks: 0, bytes: 0 };
    if (share.tasks + 1 > this.tasksPerPeer || (share.tasks > 0 && share.bytes + bytes > this.bytesPerPeer)) return false;
    share.tasks += 1;
    share.bytes += bytes;
    this.byPeer.set(peer, share);
    this.totalTasks += 1;
    this.totalBytes += bytes;
    return true;
  }

  release(peer: MemberId, bytes: number): void {
    const share = this.byPeer.get(peer);
    if (share === undefined) return;
    share.tasks -= 1;
    share.bytes -= bytes;
    this.totalTasks -= 1;
    this.totalBytes -= bytes;
    if (share.tasks <= 0) this.byPeer.delete(peer);
  }

  get tasks(): number {
    return this.totalTasks;
  }

  get bytes(): number {
    return this.totalBytes;
  }
}
