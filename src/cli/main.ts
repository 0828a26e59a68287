#!/usr/bin/env node
/** The `deeprank` command. Bad input ends in one line naming file, row and field, and exit code 2. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DeeprankError } from '../errors.js';
import { PRODUCT_PRECISIONS } from '../engine/graph.js';
import { evalCommand, predictCommand, trainCommand } from './commands.js';
import { runDemo } from './demo.js';
import { calibrateCommand } from './calibrate.js';
import { benchModelsCommand } from './bench-models.js';
import { bundleCreateCommand, bundleInspectCommand } from './bundle.js';
import { shadowCommand } from './shadow.js';
import { explainCommand } from './explain.js';
import { reportCommand } from './report.js';
import { serveCommand } from './serve.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** How a bundle's products may be computed when it scores (Bundle.createSession). */
const SCORING_PRECISION = 'scoring products: float32 (the bundle graph), or bf16 (the same weights multiplied as bfloat16 factors with float32 sums in deeprank\'s own sessions; 2-2.7x faster on CPUs with AMX; predictions move by bfloat16 rounding, at most 5e-5 on the bench models)';

const program = new Command()
  .name('deeprank')
  .description('Train, evaluate and serve deep ranking models (ONNX Runtime engine)')
  .showHelpAfterError()
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

program
  .command('train')
  .description('train a model from a YAML/JSON config and save it to a model directory')
  .requiredOption('-c, --config <file>', 'config file (data, label, features, model, train)')
  .option('-o, --out <dir>', 'model directory (default: config output, else models/<type>)')
  .option('--resume', 'continue an interrupted run from its last epoch checkpoint')
  .option('--threads <n>', 'ONNX Runtime threads (default DEEPRANK_THREADS or all cores)', positiveInt)
  .addOption(new Option('--precision <p>', 'matrix products of the training step: float32, or bf16 (bfloat16 factors, float32 sums, optimizer in float32 arithmetic; weights and the saved model stay float32)').choices(PRODUCT_PRECISIONS))
  .action(trainCommand);

program
  .command('eval')
  .description('evaluate a saved model on a labelled file')
  .requiredOption('-m, --model <dir>', 'model directory')
  .requiredOption('-d, --data <file>', 'data file with the same columns as training')
  .option('--metrics <list>', 'comma-separated metrics, e.g. auc,logloss,gauc,ndcg@10')
  .option('--group-by <feature>', 'categorical feature grouping rows for gauc/ndcg/recall/mrr')
  .option('--threads <n>', 'ONNX Runtime threads', positiveInt)
  .action(async (options) => {
    await evalCommand(options);
  });

program
  .command('predict')
  .description('score a file with a saved model, or a bundle exactly as it serves, and write row,prediction CSV')
  .option('-m, --model <dir>', 'model directory')
  .option('-b, --bundle <path>', 'bundle directory or .tar archive, instead of --model (an int8 bundle scores about twice as fast)')
  .requiredOption('-d, --data <file>', 'data file (label column optional)')
  .requiredOption('-o, --out <file>', 'output CSV')
  .option('--utility <file>', "utility policy (utility.yaml): write each task's calibrated prediction, the utility and the policy version")
  .option('--threads <n>', 'ONNX Runtime threads', positiveInt)
  .addOption(new Option('--precision <p>', 'with --bundle: ' + SCORING_PRECISION).choices(PRODUCT_PRECISIONS))
  .action(predictCommand);

program
  .command('calibrate')
  .description('fit a calibration on a labelled validation file and save it with the model')
  .requiredOption('-m, --model <dir>', 'model directory')
  .requiredOption('-d, --data <file>', 'labelled validation file')
  .requiredOption('--method <name>', 'platt, isotonic or temperature')
  .option('--segment-by <column>', 'fit one calibrator per value of this column (small segments use the global one)')
  .option('--min-segment-size <n>', 'rows a segment needs for its own calibrator (default 200)', positiveInt)
  .option('--bins <n>', 'equal-width bins for ECE and the reliability diagram (>= 10)', positiveInt, 15)
  .option('--threads <n>', 'ONNX Runtime threads', positiveInt)
  .action(async (options) => {
    await calibrateCommand(options);
  });

program
  .command('demo')
  .description('train LR, DNN and DCN-v2 on an embedded synthetic click log and write a report')
  .option('-o, --out <dir>', 'report directory', 'demo-report')
  .option('--rows <n>', 'rows of synthetic data', positiveInt, 150_000)
  .option('--epochs <n>', 'maximum epochs', positiveInt, 10)
  .option('--threads <n>', 'ONNX Runtime threads', positiveInt)
  .action(async (options) => {
    await runDemo(options);
  });

program
  .command('bench-models')
  .description('train every model of a leaderboard on one dataset and write a table and a chart')
  .requiredOption('-d, --data <name|file>', "a shipped leaderboard ('frappe') or a leaderboard YAML file")
  .option('-o, --out <dir>', 'output directory (default leaderboard-<data>)')
  .option('--models <list>', 'comma-separated model names of the leaderboard to run (default all)')
  .option('--threads <n>', 'ONNX Runtime threads', positiveInt)
  .action(async (options) => {
    await benchModelsCommand(options);
  });

const bundle = program.command('bundle').description('package a model for serving as a verified bundle, or inspect one');
bundle
  .command('create')
  .description('write a model directory as a bundle: model.onnx, weights, pipeline, calibration, utility policy, manifest with hashes')
  .requiredOption('-m, --model <dir>', 'model directory')
  .requiredOption('-o, --out <dir>', 'bundle directory (written atomically)')
  .option('--utility <file>', 'utility policy (utility.yaml) to ship with the model')
  .option('--archive <file>', 'also write the bundle as one .tar file')
  .addOption(new Option('--quantize <type>', 'serve weight products as integer GEMMs: about 2x faster scoring, predictions move by about 1e-3 on average').choices(['int8']))
  .action(bundleCreateCommand);
bundle
  .command('inspect')
  .description('verify a bundle (directory or archive) and print its manifest')
  .argument('<path>', 'bundle directory or .tar archive')
  .option('--json', 'print the manifest as JSON')
  .action(bundleInspectCommand);

program
  .command('shadow')
  .description('score the same requests with two bundles and report score shift (KS, PSI), top-K overlap and the largest disagreements')
  .option('--bundle <path>', 'bundle directory or archive; give exactly two: A (serving) then B (candidate)', (value: string, previous: string[]) => [...previous, value], [] as string[])
  .requiredOption('-d, --data <file>', 'rows to score (the columns both bundles read)')
  .option('--group-by <column>', 'column whose value identifies a request, e.g. user (default: the whole file is one request)')
  .option('--k <n>', 'cutoff of Jaccard@K', positiveInt, 10)
  .option('--top <n>', 'largest disagreements to list', positiveInt, 10)
  .option('-o, --out <file>', 'also write the report as JSON (atomically)')
  .option('--threads <n>', 'ONNX Runtime threads per bundle', positiveInt)
  .action(shadowCommand);

program
  .command('explain')
  .description('explain a bundle on a labelled file: feature ablation, permutation importance, integrated gradients, DCN cross weights, attention')
  .requiredOption('-b, --bundle <path>', 'bundle directory or .tar archive')
  .requiredOption('-d, --data <file>', 'labelled data file with the columns the bundle was trained on')
  .option('-o, --out <file>', 'write the explanation as JSON (for deeprank report)')
  .option('--groups <groups>', 'ablation groups, e.g. "user=user,age,gender;item=item,genres" (default: one per feature)')
  .option('--repeats <n>', 'shuffles per feature for permutation importance (default 3)')
  .option('--seed <n>', 'seed of the row sample and the shuffles (default 1)')
  .option('--max-rows <n>', 'use at most this many rows, a seeded sample (default 20000)')
  .option('--steps <n>', 'integrated-gradients path points (default 32)')
  .option('--threads <n>', 'ONNX Runtime threads', positiveInt)
  .action(async (options) => {
    await explainCommand(options);
  });

program
  .command('report')
  .description('write one self-contained HTML page about a bundle on a labelled file: training curves, metrics, new vs known segments, calibration, feature importance, cross weights')
  .requiredOption('-b, --bundle <path>', 'bundle directory or .tar archive')
  .requiredOption('-d, --data <file>', 'labelled data file with the training columns')
  .requiredOption('-o, --out <file>', 'HTML file to write (atomically)')
  .option('--explanation <file>', 'explanation JSON from deeprank explain (default: computed here on --data with explain\'s defaults)')
  .option('--no-explain', 'leave feature importance, cross weights and attention out')
  .option('--segment <list>', 'comma-separated categorical features to split rows into values new to training vs known')
  .option('--threads <n>', 'ONNX Runtime threads', positiveInt)
  .action(reportCommand);

program
  .command('serve')
  .description('serve a bundle over HTTP: POST /v1/score, /healthz, /readyz, /metrics, /admin/reload, /admin/rollback')
  .requiredOption('-b, --bundle <path>', 'bundle directory or .tar archive')
  .option('-p, --port <n>', 'port (0: any free port)', (value) => {
    const port = Number(value);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('expected a port number, 0 to 65535');
    return port;
  }, 8080)
  .option('--host <host>', 'address to listen on (the admin routes are unauthenticated: keep it private)', '127.0.0.1')
  .option('--max-candidates <n>', 'most candidates one request may score', positiveInt, 1000)
  .option('--threads <n>', 'ONNX Runtime threads per session', positiveInt)
  .addOption(new Option('--precision <p>', SCORING_PRECISION).choices(PRODUCT_PRECISIONS))
  .option('--watch', 'reload the bundle when its path changes')
  .action(serveCommand);

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof DeeprankError) {
    process.stderr.write(`deeprank: error: ${error.describe()}\n`);
    process.exit(2);
  }
  process.stderr.write(`deeprank: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
