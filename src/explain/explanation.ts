/**
 * What `deeprank explain` finds out about a bundle on a data file, as JSON: `deeprank explain`
 * writes it and `deeprank report` renders it.
 */
export interface Explanation {
  bundle: string;
  data: string;
  /** Rows the importances were measured on. */
  rows: number;
  /** The metric importances are measured with (AUC for a binary main task, RMSE for regression) and its value on the unchanged rows. */
  metric: { name: string; higherIsBetter: boolean; value: number };
  /** Feature-group ablation: the metric with every feature of a group set to its missing value (out-of-vocabulary id, padding, the numeric fill); `drop` > 0 means worse. */
  ablation: { group: string; features: string[]; value: number; drop: number }[];
  /** Permutation importance: the metric's drop when one feature's values are shuffled across rows (seeded), mean and standard deviation over the repeats. */
  permutation: { feature: string; drop: number; std: number; repeats: number }[];
  /** Integrated gradients of the main prediction with respect to the dense (numeric) inputs, against a baseline; absent without numeric features. */
  integratedGradients?: {
    baseline: string;
    steps: number;
    features: { feature: string; meanAbsAttribution: number }[];
    /** Mean |sum of attributions - (f(x) - f(baseline))| over rows: how well the path integral was approximated. */
    completenessError: number;
  };
  /** Per cross layer: the Frobenius norm of each (feature i, feature j) block of its kernel, as in the keras-rs DCN tutorial. */
  crossWeights?: { layer: string; features: string[]; norms: number[][] }[];
  /** Attention weights the model exposes (AFM field pairs, DIN history positions), averaged over the rows. */
  attention?: { output: string; labels: string[]; mean: number[] }[];
}
