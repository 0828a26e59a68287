/**
 * Append-only typed arrays that double their capacity when full, so a reader can stream rows of
 * unknown count into columnar storage without per-row JS objects.
 */
class GrowableArray<T extends Int32Array | Float64Array> {
  private data: T;
  private count = 0;

  constructor(
    private readonly make: (size: number) => T,
    initialCapacity: number,
  ) {
    this.data = make(Math.max(1, initialCapacity));
  }

  get length(): number {
    return this.count;
  }

  push(value: number): void {
    if (this.count === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.count++] = value;
  }

  /** A right-sized copy of the values pushed so far. */
  toArray(): T {
    return this.data.slice(0, this.count) as T;
  }
}

export class GrowableInt32Array extends GrowableArray<Int32Array> {
  constructor(initialCapacity = 1024) {
    super((n) => new Int32Array(n), initialCapacity);
  }
}

export class GrowableFloat64Array extends GrowableArray<Float64Array> {
  constructor(initialCapacity = 1024) {
    super((n) => new Float64Array(n), initialCapacity);
  }
}
