/**
 * A first-in first-out queue with a hard limit and O(1) removal of any element (a job that
 * times out or is cancelled while waiting leaves from the middle). A Set keeps insertion order,
 * which is all a FIFO needs. Elements must be distinct objects.
 */
export class BoundedQueue<T> {
  private readonly items = new Set<T>();

  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`queue limit must be a non-negative integer, got ${limit}`);
  }

  get size(): number {
    return this.items.size;
  }

  /** Free places: how many more elements `push` accepts now. */
  get free(): number {
    return this.limit - this.items.size;
  }

  /** Appends `item`; false (and nothing changes) when the queue is full. */
  push(item: T): boolean {
    if (this.items.size >= this.limit) return false;
    if (this.items.has(item)) throw new Error('the element is queued already');
    this.items.add(item);
    return true;
  }

  /** Removes and returns the oldest element, or undefined when empty. */
  shift(): T | undefined {
    for (const item of this.items) {
      this.items.delete(item);
      return item;
    }
    return undefined;
  }

  /** Removes `item` wherever it is; false when it was not queued. */
  delete(item: T): boolean {
    return this.items.delete(item);
  }

  /** The elements, oldest first. */
  values(): IterableIterator<T> {
    return this.items.values();
  }

  has(item: T): boolean {
    return this.items.has(item);
  }

  /** Empties the queue and returns what it held, oldest first. */
  drain(): T[] {
    const items = [...this.items];
    this.items.clear();
    return items;
  }
}
