/**
 * The hashes of the last `capacity` committed transactions, oldest forgotten first. The mempool
 * refuses a replay of these without asking the store; older ones are still refused, through
 * the store's tx index, which costs a read.
 */
export class RecentHashes {
  private readonly ring: string[] = [];
  private readonly members = new Set<string>();
  private nextSlot = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.members.size;
  }

  has(hashHex: string): boolean {
    return this.members.has(hashHex);
  }

  add(hashHex: string): void {
    if (this.members.has(hashHex)) return;
    if (this.ring.length < this.capacity) {
      this.ring.push(hashHex);
    } else {
      this.members.delete(this.ring[this.nextSlot]!);
      this.ring[this.nextSlot] = hashHex;
    }
    this.members.add(hashHex);
    this.nextSlot = (this.nextSlot + 1) % this.capacity;
  }
}
