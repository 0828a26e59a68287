/**
 * What the report tests share: a hand-made Explanation whose names are hostile HTML, bundles of
 * the bundle fixtures' calibrated DNN and MMoE plus a DNN whose user feature is hashed, and a
 * six-row labelled file whose new/known split is countable by hand.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBundle } from '../../src/bundle/create-bundle.js';
import type { Explanation } from '../../src/explain/explanation.js';
import { parseRunConfig } from '../../src/train/run-config.js';
import { trainFromConfig } from '../../src/train/train-run.js';
import { bundleFixtures, type BundleFixtures } from '../bundle/bundle-fixtures.js';
import { clickLogConfig } from '../cli/cli-fixtures.js';

/** A feature name no page may render as markup. */
export const HOSTILE = '<script>alert("x")</script>';

export function explanationFixture(): Explanation {
  return {
    bundle: 'b-dnn',
    data: 'score.csv',
    rows: 300,
    metric: { name: 'auc', higherIsBetter: true, value: 0.78 },
    ablation: [
      { group: 'user', features: ['user'], value: 0.6, drop: 0.18 },
      { group: HOSTILE, features: ['item'], value: 0.7, drop: 0.08 },
    ],
    permutation: [
      { feature: 'user', drop: 0.2, std: 0.01, repeats: 3 },
      { feature: HOSTILE, drop: 0.1, std: 0.02, repeats: 3 },
      { feature: 'price', drop: -0.01, std: 0.005, repeats: 3 },
    ],
    integratedGradients: { baseline: 'zero', steps: 32, features: [{ feature: 'price', meanAbsAttribution: 0.3 }], completenessError: 0.001 },
    crossWeights: [{ layer: 'cross_0', features: ['user', HOSTILE, 'price'], norms: [[1, 0.5, 0.2], [0.5, 2, 0.1], [0.2, 0.1, 0.3]] }],
    attention: [{ output: 'afm/attention', labels: ['user x item', 'user x price', 'item x price'], mean: [0.5, 0.3, 0.2] }],
  };
}

/**
 * `click,buy,user,item,price`; training saw users u0..u11 and items i0..i7. New users: rows 3, 4
 * (u50, u51); new items: rows 1, 4, 5 (i77, i99, i99). Clicks of the new users 1, 0; of the new items 1, 0, 1.
 */
export const SEGMENT_CSV = ['click,buy,user,item,price', '1,0,u1,i77,5.00', '0,0,u3,i2,4.00', '1,1,u50,i3,6.00', '0,0,u51,i99,2.00', '1,0,u2,i99,8.00', '0,0,u4,i0,1.00'].join('\n') + '\n';

export interface ReportBundles extends BundleFixtures {
  /** Bundles (directories) of the calibrated DNN, the MMoE and a DNN whose user feature is hashed into 16 buckets. */
  bundles: { dnn: string; mmoe: string; hashed: string };
  /** SEGMENT_CSV on disk. */
  segmentFile: string;
}

export async function reportBundles(): Promise<ReportBundles> {
  const fixtures = await bundleFixtures();
  const { root } = fixtures;
  const config = clickLogConfig();
  config.features[0] = { name: 'user', type: 'categorical', hashBuckets: 16 };
  await trainFromConfig(parseRunConfig(config), { baseDir: root, outDir: join(root, 'dnn-hashed'), threads: 1 });
  const bundles = { dnn: join(root, 'b-dnn'), mmoe: join(root, 'b-mmoe'), hashed: join(root, 'b-hashed') };
  await createBundle(fixtures.dnn, bundles.dnn);
  await createBundle(fixtures.mmoe, bundles.mmoe);
  await createBundle(join(root, 'dnn-hashed'), bundles.hashed);
  const segmentFile = join(root, 'segments.csv');
  await writeFile(segmentFile, SEGMENT_CSV);
  return { ...fixtures, bundles, segmentFile };
}
