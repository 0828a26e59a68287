import { z } from 'zod';
import { OptimizerConfigSchema } from './optimizers.js';

export const EarlyStoppingSchema = z
  .object({
    /** Validation metric to watch ('auc', 'logloss', 'rmse', 'gauc', ...). */
    metric: z.string(),
    /** Epochs in a row without improvement after which training stops (as in Keras). */
    patience: z.number().int().min(0).default(2),
    minDelta: z.number().min(0).default(0),
  })
  .strict();

export const TrainConfigSchema = z
  .object({
    epochs: z.number().int().positive().default(10),
    batchSize: z.number().int().positive().default(1024),
    optimizer: OptimizerConfigSchema.prefault({}),
    /** Coupled L2 on dense kernels (biases and norms excluded). */
    l2: z.number().min(0).default(0),
    /** Coupled L2 on the embedding rows present in each batch. */
    embeddingL2: z.number().min(0).default(0),
    /** Clip the global gradient norm (dense + touched rows) to this value. */
    clipNorm: z.number().positive().optional(),
    seed: z.number().int().default(2026),
    /** ONNX Runtime threads; default DEEPRANK_THREADS or every core. */
    threads: z.number().int().positive().optional(),
    /** Metrics computed on the validation split after each epoch. */
    metrics: z.array(z.string()).optional(),
    earlyStopping: EarlyStoppingSchema.optional(),
    /** Column used to group rows for gAUC (e.g. the user id feature). */
    groupBy: z.string().optional(),
  })
  .strict();

export type TrainConfig = z.output<typeof TrainConfigSchema>;
