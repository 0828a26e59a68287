/**
 * Typed arrays by name, reused from batch to batch: each is allocated at the largest size asked
 * so far and handed out as a view of the size asked now, so steady-state steps allocate nothing.
 */
export class GrowingBuffers<T extends Float32Array | BigInt64Array> {
  private readonly buffers = new Map<string, T>();

  constructor(private readonly allocate: (size: number) => T) {}

  get(name: string, size: number): T {
    let b = this.buffers.get(name);
    if (!b || b.length < size) {
      b = this.allocate(size);
      this.buffers.set(name, b);
    }
    return b.length === size ? b : (b.subarray(0, size) as T);
  }
}
