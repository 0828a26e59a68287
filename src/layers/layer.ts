/**
 * Base of every layer: a validated config that round-trips through getConfig/fromConfig, and a
 * name fixed at first use so a layer applied in several graph builds reuses the same weights.
 */
import { ConfigError } from '../errors.js';
import type { BuildContext } from './build-context.js';

export interface LayerConfig {
  name?: string;
}

export abstract class Layer<C extends LayerConfig> {
  abstract readonly className: string;
  private assignedName: string | undefined;

  constructor(protected readonly config: Readonly<C>) {
    this.assignedName = config.name;
  }

  getConfig(): C {
    return { ...this.config, ...(this.assignedName ? { name: this.assignedName } : {}) };
  }

  /** The layer's weight-name prefix, drawn from the build context on first use. */
  protected scope(ctx: BuildContext): string {
    this.assignedName ??= ctx.uniqueName(this.defaultName());
    return this.assignedName;
  }

  protected defaultName(): string {
    return this.className.replace(/[a-z][A-Z]/g, (m) => `${m[0]}_${m[1]}`).toLowerCase();
  }
}

/** Argument checks that name the layer, the argument and the bad value. */
export const check = {
  positiveInt(layer: string, arg: string, value: unknown): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      throw new ConfigError(`${layer}: '${arg}' must be a positive integer, got ${JSON.stringify(value)}`, { field: arg });
    }
    return value;
  },
  rate(layer: string, arg: string, value: unknown): number {
    if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
      throw new ConfigError(`${layer}: '${arg}' must be in [0, 1), got ${JSON.stringify(value)}`, { field: arg });
    }
    return value;
  },
  nonNegative(layer: string, arg: string, value: unknown): number {
    if (typeof value !== 'number' || !(value >= 0)) {
      throw new ConfigError(`${layer}: '${arg}' must be a number >= 0, got ${JSON.stringify(value)}`, { field: arg });
    }
    return value;
  },
  oneOf<T extends string>(layer: string, arg: string, value: unknown, allowed: readonly T[]): T {
    if (!allowed.includes(value as T)) {
      throw new ConfigError(`${layer}: '${arg}' must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`, { field: arg });
    }
    return value as T;
  },
};
