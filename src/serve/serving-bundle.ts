/**
 * The bundle a server scores with, swapped atomically. A request takes a lease on the current
 * model and scores on it to the end, whatever is swapped in meanwhile; a model that is neither
 * current nor kept for rollback has its session released when its last lease ends.
 *
 * reload(path) opens the new bundle fully (verify, session, warm-up: ServedModel.open) before the
 * swap, so a bad bundle is refused and the current one keeps serving; the replaced model is kept
 * as `previous`, and rollback() swaps back to it. Reloads and rollbacks run one at a time.
 */
import type { ProductPrecision } from '../engine/graph.js';
import { ConfigError } from '../errors.js';
import { ServedModel, type ModelVersion } from './served-model.js';

interface Held {
  model: ServedModel;
  leases: number;
  /** retired: neither current nor previous, so its session is released once no lease is left. */
  state: 'kept' | 'retired' | 'released';
}

export interface Lease {
  model: ServedModel;
  release(): void;
}

export interface ServingBundleOptions {
  threads?: number;
  maxCandidates?: number;
  precision?: ProductPrecision;
}

export class ServingBundle {
  private current: Held | undefined;
  private previous: Held | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly releasing = new Set<Promise<void>>();

  constructor(private readonly options: ServingBundleOptions = {}) {}

  /** Whether a verified, warmed-up bundle is serving. */
  get ready(): boolean {
    return this.current !== undefined;
  }

  get version(): ModelVersion | undefined {
    return this.current?.model.version;
  }

  get previousVersion(): ModelVersion | undefined {
    return this.previous?.model.version;
  }

  /** The current model, held until `release` (call it exactly once). */
  acquire(): Lease {
    const held = this.current;
    if (!held) throw new Error('no bundle is loaded');
    held.leases++;
    let released = false;
    return {
      model: held.model,
      release: () => {
        if (released) return;
        released = true;
        held.leases--;
        this.releaseIfDone(held);
      },
    };
  }

  /** Open `path` (default: the current bundle's path again) and swap it in; throws, leaving the current model serving, if it is refused. */
  reload(path?: string): Promise<ModelVersion> {
    return this.serially(async () => {
      const target = path ?? this.current?.model.version.path;
      if (target === undefined) throw new ConfigError('no bundle path to reload', { field: 'path' });
      const model = await ServedModel.open(target, this.options);
      if (this.previous) this.retire(this.previous);
      this.previous = this.current;
      this.current = { model, leases: 0, state: 'kept' };
      return model.version;
    });
  }

  /** Swap back to the model the last reload replaced; the replaced one becomes the new `previous`. */
  rollback(): Promise<ModelVersion> {
    return this.serially(async () => {
      if (!this.previous) throw new ConfigError('no previous bundle to roll back to', { field: 'rollback' });
      [this.current, this.previous] = [this.previous, this.current];
      return this.current!.model.version;
    });
  }

  /** Release every session once in-flight requests are done. */
  async close(): Promise<void> {
    await this.serially(async () => {
      for (const held of [this.current, this.previous]) if (held) this.retire(held);
      this.current = this.previous = undefined;
    });
    await Promise.all(this.releasing);
  }

  private serially<T>(step: () => Promise<T>): Promise<T> {
    const result = this.queue.then(step);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private retire(held: Held): void {
    held.state = 'retired';
    this.releaseIfDone(held);
  }

  private releaseIfDone(held: Held): void {
    if (held.state !== 'retired' || held.leases > 0) return;
    held.state = 'released';
    const done = held.model.release().finally(() => this.releasing.delete(done));
    this.releasing.add(done);
  }
}
