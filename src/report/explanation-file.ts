/**
 * Reading an explanation JSON file (what `deeprank explain` writes) for a report: the shape is
 * checked with zod so that a hand-edited or truncated file ends in one error naming the file and
 * the field, not in a page with holes.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseWithSchema } from '../data/data-config.js';
import { ConfigError } from '../errors.js';
import type { Explanation } from '../explain/explanation.js';

const finite = z.number().finite();

export const ExplanationSchema = z.object({
  bundle: z.string(),
  data: z.string(),
  rows: z.number().int().nonnegative(),
  metric: z.object({ name: z.string(), higherIsBetter: z.boolean(), value: finite }),
  ablation: z.array(z.object({ group: z.string(), features: z.array(z.string()), value: finite, drop: finite })),
  permutation: z.array(z.object({ feature: z.string(), drop: finite, std: finite, repeats: z.number().int().positive() })),
  integratedGradients: z
    .object({
      baseline: z.string(),
      steps: z.number().int().positive(),
      features: z.array(z.object({ feature: z.string(), meanAbsAttribution: finite })),
      completenessError: finite,
    })
    .optional(),
  crossWeights: z
    .array(
      z
        .object({ layer: z.string(), features: z.array(z.string()).min(1), norms: z.array(z.array(finite)) })
        .refine((c) => c.norms.length === c.features.length && c.norms.every((row) => row.length === c.features.length), {
          message: 'norms must be a features x features matrix',
          path: ['norms'],
        }),
    )
    .optional(),
  attention: z
    .array(
      z
        .object({ output: z.string(), labels: z.array(z.string()), mean: z.array(finite) })
        .refine((a) => a.mean.length === a.labels.length, { message: 'mean must have one value per label', path: ['mean'] }),
    )
    .optional(),
}) satisfies z.ZodType<Explanation>;

/** The explanation in `file`; ConfigError naming the file (and field) when it is unreadable or malformed. */
export async function readExplanation(file: string): Promise<Explanation> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(`cannot read the explanation: ${code === 'ENOENT' ? 'no such file' : (code ?? (error as Error).message)}`, { file });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`not JSON: ${(error as Error).message}`, { file });
  }
  return parseWithSchema(ExplanationSchema, raw, file);
}
