/** Offline evaluation metrics; see each file for the equation and a worked example. */
export { auc } from './auc.js';
export { gauc } from './gauc.js';
export { logloss } from './logloss.js';
export { mae } from './mae.js';
export { mrr } from './mrr.js';
export { ndcgAtK } from './ndcg.js';
export { recallAtK } from './recall.js';
export { rmse } from './rmse.js';
export { evaluateMetric, higherIsBetter, isMetricName, needsGroups, type MetricInputs } from './metric-registry.js';
export { calibrationBins, MIN_CALIBRATION_BINS, type CalibrationBin } from './calibration-bins.js';
export { expectedCalibrationError } from './expected-calibration-error.js';
export { calibrationRatio } from './calibration-ratio.js';
export { ksStatistic, kolmogorovSurvival, type KsResult } from './ks-statistic.js';
export { populationStabilityIndex, EMPTY_BIN_FRACTION } from './population-stability-index.js';
export { kendallTauB } from './kendall-tau.js';
export { jaccardAtK } from './jaccard-at-k.js';
