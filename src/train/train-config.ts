import { z } from 'zod';
import { OptimizerConfigSchema } from './optimizers.js';
import { RANKING_LOSSES } from '../losses/registry.js';
import { PRODUCT_PRECISIONS } from '../engine/graph.js';

export const EarlyStoppingSchema = z
  .object({
    /** Validation metric to watch ('auc', 'logloss', 'rmse', 'gauc', ...). */
    metric: z.string(),
    /** Epochs in a row without improvement after which training stops (as in Keras). */
    patience: z.number().int().min(0).default(2),
    minDelta: z.number().min(0).default(0),
  })
  .strict();

/** Train on whole lists (the rows of one group) with a ranking loss instead of a per-row loss. */
export const ListwiseSchema = z
  .object({
    /** Categorical feature whose value makes a list (e.g. the user id). */
    groupBy: z.string(),
    /** A group's rows are split into lists of at most this many rows; shorter lists are padded. */
    listSize: z.number().int().min(2).default(20),
    loss: z.enum(RANKING_LOSSES).default('listmle'),
    /** Scores are divided by it inside the loss. */
    temperature: z.number().positive().default(1),
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
    /** Mini-batch aware L2 (DIN): embeddingL2 of each row scaled by 1 / its id's frequency in the training rows. */
    miniBatchAwareL2: z.boolean().default(false),
    /** Clip the global gradient norm (dense + touched rows) to this value. */
    clipNorm: z.number().positive().optional(),
    seed: z.number().int().default(2026),
    /** ONNX Runtime threads; default DEEPRANK_THREADS or every core. */
    threads: z.number().int().positive().optional(),
    /**
     * How the training step's matrix products compute: 'float32', or 'bf16' (factors rounded to
     * bfloat16, sums in float32, as mixed-precision training does; twice as fast on CPUs with
     * AVX512-BF16, several times faster with AMX). Weights, optimizer state, evaluation and the
     * exported model stay float32.
     */
    precision: z.enum(PRODUCT_PRECISIONS).default('float32'),
    /** Metrics computed on the validation split after each epoch. */
    metrics: z.array(z.string()).optional(),
    earlyStopping: EarlyStoppingSchema.optional(),
    /** Column used to group rows for gAUC (e.g. the user id feature). */
    groupBy: z.string().optional(),
    listwise: ListwiseSchema.optional(),
    /**
     * Multi-task models: the weight of each task's loss (a task not named weighs 1), or
     * 'uncertainty' to learn them (src/train/multi-task-loss.ts).
     */
    taskWeights: z.union([z.literal('uncertainty'), z.record(z.string(), z.number().min(0))]).optional(),
    /** Feature name -> probability of replacing its id by the OOV id 0 in training (feature-dropout.ts). */
    featureDropout: z
      .record(
        z.string(),
        z
          .number({ error: 'expected a fraction in [0, 1)' })
          .min(0, { error: 'expected a fraction in [0, 1)' })
          .lt(1, { error: 'expected a fraction in [0, 1)' }),
      )
      .optional(),
  })
  .strict()
  .refine((train) => !train.listwise || train.batchSize >= train.listwise.listSize, {
    path: ['listwise', 'listSize'],
    message: 'must be at most train.batchSize: a batch holds whole lists',
  });

export type TrainConfig = z.output<typeof TrainConfigSchema>;
export type ListwiseConfig = z.output<typeof ListwiseSchema>;
