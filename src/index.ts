/** deeprank: deep ranking models for recommender systems, trained and served with ONNX Runtime. */
export { DeeprankError, DataError, ConfigError, ArtifactError } from './errors.js';
export type { Batch, FeatureSpec, MultiValueBatch } from './data/batch.js';
export { paddedFeatures } from './data/batch.js';
export { FeaturePipeline } from './data/feature-pipeline.js';
export { EncodedDataset } from './data/encoded-dataset.js';
export { loadTrainingData, loadWithPipeline } from './data/load-dataset.js';
export { syntheticClickLogCsv } from './data/synthetic-click-log.js';
export { RatingMatrix, readRatings, type Rating } from './data/rating-matrix.js';
export { LeaveOneOut, readInteractions, type Interactions, type RankingResult } from './data/implicit-feedback.js';
export { NegativeSampledSource } from './data/negative-sampled-source.js';
export { movieLensClickHistory, clickHistoryFeatures, clickHistoryCategoryFeatures, CLICK_LABEL, type ClickHistoryData, type ClickHistoryOptions } from './data/click-history.js';

export { Graph, Sym } from './engine/graph.js';
export * as ops from './engine/ops.js';
export { gradients } from './engine/autodiff.js';
export { exportOnnx } from './engine/onnx-export.js';
export { OnnxSession } from './engine/runtime.js';
export { ParameterStore } from './engine/parameter-store.js';

export { BuildContext } from './layers/build-context.js';
export { Dense } from './layers/dense.js';
export { BatchNormalization } from './layers/batch-normalization.js';
export { Dropout } from './layers/dropout.js';
export { Embedding } from './layers/embedding.js';
export { DeepFeatureTower } from './layers/deep-feature-tower.js';
export { DeepFeatureRanking } from './layers/deep-feature-ranking.js';
export { FeatureCross } from './layers/feature-cross.js';
export { FeatureCrossMix } from './layers/feature-cross-mix.js';
export { AttentionalFactorizationMachine, fieldPairs } from './layers/attentional-factorization-machine.js';
export { CrossNet } from './layers/cross-net.js';
export { FactorizationMachine } from './layers/factorization-machine.js';
export { DotInteraction } from './layers/dot-interaction.js';
export { ResidualUnit } from './layers/residual-unit.js';
export { OuterProduct } from './layers/outer-product.js';
export { NormalizedDotProductSimilarity } from './layers/normalized-dot-product-similarity.js';
export { TopKRecommendationSelector } from './layers/top-k-recommendation-selector.js';
export { ExpertGate } from './layers/expert-gate.js';
export { MultiGateMixtureOfExperts } from './layers/multi-gate-mixture-of-experts.js';
export { ProgressiveLayeredExtraction } from './layers/progressive-layered-extraction.js';
export { PReLU } from './layers/prelu.js';
export { Dice } from './layers/dice.js';
export { ParametricActivationTower, PARAMETRIC_ACTIVATIONS, type ParametricActivation } from './layers/parametric-activation-tower.js';
export { LocalActivationUnit } from './layers/local-activation-unit.js';
export { AgeBucketEmbedding, type AgeBucketEmbeddingConfig } from './layers/age-bucket-embedding.js';
export { GeneralSearchUnit, SEARCH_MODES, type GeneralSearchUnitConfig, type SearchMode, type SearchInputs, type SearchResult } from './layers/general-search-unit.js';
export { inBatchSoftmaxLoss } from './losses/in-batch-softmax.js';

export { MODEL_TYPES, modelDefinition } from './models/registry.js';
export { AutoRec } from './models/autorec.js';
export { FeatureInputs, type SequenceRows } from './models/feature-inputs.js';

export { RankingLoss, type RankingLossConfig } from './losses/ranking-loss.js';
export { PairwiseLoss, PairwiseHingeLoss, PairwiseLogisticLoss, PairwiseSoftZeroOneLoss } from './losses/pairwise-losses.js';
export { ListMLELoss } from './losses/list-mle-loss.js';
export { RANKING_LOSSES, rankingLoss, type RankingLossName } from './losses/registry.js';

export { RankingModel, predictionOutput, type Head } from './train/ranking-model.js';
export { multiTaskLoss, maskedMean, logVarianceName, type TaskWeights } from './train/multi-task-loss.js';
export { splitTaskMetric, taskMetricNames } from './train/task-metrics.js';
export { Trainer, defaultMetrics } from './train/trainer.js';
export { TrainConfigSchema } from './train/train-config.js';
export { FeatureDropout } from './train/feature-dropout.js';
export { Predictor, type ExplanationValues } from './train/predict.js';
export { saveModel, loadModel } from './train/model-artifact.js';
export { parseRunConfig, readRunConfig } from './train/run-config.js';
export { trainFromConfig } from './train/train-run.js';
export { evaluateRetrieval, embedRows, retrieveTopK, retrievalRecall, firstRowPerId, type Vectors, type RetrievalEvaluation } from './train/retrieval.js';
export { DenseWeightTrainer } from './train/dense-weight-trainer.js';
export { idFrequencies, frequencyScaledL2 } from './train/id-frequency.js';
export { warmStart, copyParameters, type WarmStartResult } from './train/pretrain.js';

export * from './metrics/index.js';

export { CALIBRATION_METHODS, fitCalibrator, calibratorFromJson, type CalibrationMethod, type Calibrator, type CalibratorJson } from './calibration/calibrator.js';
export { PlattScaling } from './calibration/platt-scaling.js';
export { IsotonicRegression } from './calibration/isotonic-regression.js';
export { TemperatureScaling } from './calibration/temperature-scaling.js';
export { SegmentedCalibration, DEFAULT_MIN_SEGMENT_SIZE, type SegmentValues } from './calibration/segmented-calibration.js';
export { CALIBRATION_FILE, loadCalibration, saveCalibration, type CalibrationProvenance } from './calibration/calibration-file.js';
export { savedCalibration, type BoundCalibration } from './calibration/saved-calibration.js';
export { calibrationSummary, type CalibrationSummary } from './calibration/calibration-summary.js';
export { reliabilityDiagramSvg } from './calibration/reliability-diagram.js';
export { lineChartSvg, type Series } from './report/line-chart-svg.js';
export { UtilityPolicySchema, parseUtilityPolicy, readUtilityPolicy, checkPolicyTasks, composeUtility, type UtilityPolicy, type TaskPredictions } from './utility/utility-policy.js';
