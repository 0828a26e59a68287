/**
 * Append-only typed arrays that double their capacity when full, so a reader can stream rows of
 * unknown count into columnar storage without per-row JS objects.
 */
export class GrowableInt32Array {
  private data: Int32Array;
  private count = 0;

  constructor(initialCapacity = 1024) {
    this.data = new Int32Array(Math.max(1, initialCapacity));
  }

  get length(): number {
    return this.count;
  }

  push(value: number): void {
    if (this.count === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.count++] = value;
  }

  /** A right-sized copy of the values pushed so far. */
  toArray(): Int32Array {
    return this.data.slice(0, this.count);
  }
}

export class GrowableFloat64Array {
  private data: Float64Array;
  private count = 0;

  constructor(initialCapacity = 1024) {
    this.data = new Float64Array(Math.max(1, initialCapacity));
  }

  get length(): number {
    return this.count;
  }

  push(value: number): void {
    if (this.count === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.count++] = value;
  }

  /** A right-sized copy of the values pushed so far. */
  toArray(): Float64Array {
    return this.data.slice(0, this.count);
  }
}
