/**
 * DCN-v2 (Wang et al. 2020): x0 = [e; x_dense]; cross layers x_{l+1} = x0 ⊙ (W_l x_l + b_l) + x_l,
 * with W full-rank or low-rank U V (dcn-v2), or a gated mixture of low-rank experts (dcn-mix).
 * Stacked: ŷ = w·MLP(x_L) + b; parallel: ŷ = w·[x_L; MLP(x0)] + b; cross-only: ŷ = w·x_L + b.
 */
import { z } from 'zod';
import type { Sym } from '../engine/graph.js';
import { concat } from '../engine/ops.js';
import type { BuildContext } from '../layers/build-context.js';
import { ACTIVATIONS } from '../layers/activation.js';
import { FeatureCross } from '../layers/feature-cross.js';
import { FeatureCrossMix } from '../layers/feature-cross-mix.js';
import { defineModel, embeddingOptions, logit, mlp, mlpOptions, type MlpConfig } from './model-definition.js';
import type { FeatureInputs } from './feature-inputs.js';

const crossNetworkOptions = {
  ...embeddingOptions,
  ...mlpOptions,
  crossLayers: z.number().int().positive().default(2),
  structure: z.enum(['stacked', 'parallel', 'cross-only']).default('stacked'),
};

interface CrossNetworkConfig extends MlpConfig {
  embeddingDim: number;
  crossLayers: number;
  structure: 'stacked' | 'parallel' | 'cross-only';
}

type CrossLayer = (ctx: BuildContext, layer: number, x0: Sym, x: Sym) => Sym;

function crossNetwork(inputs: FeatureInputs, config: CrossNetworkConfig, cross: CrossLayer): Sym {
  const ctx = inputs.ctx;
  const x0 = inputs.flat(config.embeddingDim);
  let x = x0;
  for (let l = 0; l < config.crossLayers; l++) x = cross(ctx, l, x0, x);
  if (config.structure === 'cross-only') return logit(ctx, x);
  const deep = mlp(config);
  return config.structure === 'stacked' ? logit(ctx, deep.apply(ctx, x)) : logit(ctx, concat([x, deep.apply(ctx, x0)], 1));
}

export const dcnV2 = defineModel({
  type: 'dcn-v2',
  description: 'Deep & Cross Network v2: full- or low-rank cross layers, stacked on, parallel to or without an MLP',
  schema: z
    .object({
      ...crossNetworkOptions,
      projectionDim: z.number().int().positive().nullable().default(null),
      diagScale: z.number().min(0).default(0),
    })
    .strict(),
  build: (inputs, config) =>
    crossNetwork(inputs, config, (ctx, l, x0, x) => new FeatureCross({ name: `cross_${l}`, projectionDim: config.projectionDim, diagScale: config.diagScale }).apply(ctx, x0, x)),
});

export const dcnMix = defineModel({
  type: 'dcn-mix',
  description: 'DCN-Mix: cross layers as gated mixtures of low-rank experts, stacked on, parallel to or without an MLP',
  schema: z
    .object({
      ...crossNetworkOptions,
      numExperts: z.number().int().positive().default(4),
      lowRank: z.number().int().positive().default(32),
      crossActivation: z.enum(ACTIVATIONS).default('tanh'),
    })
    .strict(),
  build: (inputs, config) =>
    crossNetwork(inputs, config, (ctx, l, x0, x) =>
      new FeatureCrossMix({ name: `cross_mix_${l}`, numExperts: config.numExperts, lowRank: config.lowRank, activation: config.crossActivation }).apply(ctx, x0, x),
    ),
});
