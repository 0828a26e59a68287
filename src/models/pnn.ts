/**
 * Product-based neural networks (Qu et al. 2016): the product layer joins the linear signal (the
 * field embeddings) with a product signal, and an MLP reads both: ŷ = w·MLP([e_1; …; e_F; p]) + b.
 * IPNN: p = the inner products <e_i, e_j> of all field pairs. OPNN: p = f_Σ f_Σᵀ (sum-pooled
 * outer product).
 */
import { z } from 'zod';
import type { Sym } from '../engine/graph.js';
import { concat } from '../engine/ops.js';
import { DotInteraction } from '../layers/dot-interaction.js';
import { OuterProduct } from '../layers/outer-product.js';
import type { BuildContext } from '../layers/build-context.js';
import { defineModel, embeddingOptions, logit, mlp, mlpOptions } from './model-definition.js';
import type { FeatureInputs } from './feature-inputs.js';

const schema = z.object({ ...embeddingOptions, ...mlpOptions }).strict();

function pnn(type: string, description: string, product: (ctx: BuildContext, stacked: Sym) => Sym) {
  return defineModel({
    type,
    description,
    schema,
    build: (inputs: FeatureInputs, config: z.output<typeof schema>) => {
      const fields = inputs.fields(config.embeddingDim, { numericAsFields: true });
      const signals = concat([concat(fields, 1), product(inputs.ctx, inputs.stacked(fields))], 1);
      return logit(inputs.ctx, mlp(config).apply(inputs.ctx, signals));
    },
  });
}

export const ipnn = pnn('ipnn', 'PNN with inner products of all field pairs', (ctx, stacked) => new DotInteraction({ name: 'inner_product' }).apply(ctx, stacked));
export const opnn = pnn('opnn', 'PNN with the sum-pooled outer product of the fields', (ctx, stacked) => new OuterProduct({ name: 'outer_product' }).apply(ctx, stacked));
