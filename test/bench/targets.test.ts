/**
 * The bench's verdict on the engine-speed issue's targets: medians against each bound, in the
 * bound's direction, against the strongest PyTorch measured, and nothing from absent figures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateTargets, type SummaryEntry } from '../../bench/targets.js';

const at = (median: number) => ({ min: median * 0.9, median, max: median * 1.1 });

function entry(model: string, threads: number, deeprank: SummaryEntry['deeprank'], ratios: Record<string, number>): SummaryEntry {
  const ref = (scale: number) => Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, at(v * scale)]));
  return { model, threads, deeprank, pytorch: { 'reference-blas': ref(10), openblas: ref(1) } };
}

const summary: SummaryEntry[] = [
  entry('mlp', 1, {}, { train_ratio: 1.9, infer_ratio: 1.1, infer_int8_over_float_ratio: 2 }),
  entry('mlp', 2, { train_speedup_over_first_threads: at(1.7) }, { train_ratio: 2.3, infer_ratio: 1.2, infer_int8_over_float_ratio: 4.1 }),
  entry('dcnv2', 2, { latency_p99_ms: at(5.2), train_speedup_over_first_threads: at(1.9) }, { train_ratio: 2 }),
  entry('embedding-heavy', 1, { rss_over_state: at(1.5) }, { train_ratio: 2.9 }),
];

test('each target reads the optimised-BLAS reference and compares its median in the bound\'s direction', () => {
  const { reference, targets } = evaluateTargets(summary);
  assert.equal(reference, 'openblas');
  const verdict = (item: number, model: string, threads: number, what: string) => targets.find((t) => t.item === item && t.model === model && t.threads === threads && t.what.includes(what));
  assert.equal(verdict(1, 'mlp', 1, 'training')?.met, false);
  assert.equal(verdict(1, 'mlp', 2, 'training')?.met, true);
  assert.deepEqual(verdict(1, 'mlp', 2, 'training')?.value, at(2.3));
  assert.equal(verdict(1, 'mlp', 2, 'float32')?.met, false);
  assert.equal(verdict(1, 'mlp', 2, 'int8')?.met, true);
  assert.equal(verdict(2, 'dcnv2', 2, 'training')?.met, true, 'a median equal to an "at least" bound meets it');
  assert.equal(verdict(5, 'dcnv2', 2, 'p99')?.met, false, 'latency is bounded from above');
  assert.equal(verdict(3, 'embedding-heavy', 1, 'training')?.met, false, 'embedding-heavy needs 3x');
  assert.equal(verdict(3, 'embedding-heavy', 1, 'RSS')?.met, true, 'a median equal to an "at most" bound meets it');
  assert.equal(verdict(4, 'mlp', 2, '2 threads')?.met, true);
  // dcnv2 ran at 2 threads only: its speed-up over "the first thread count" is not one over 1 thread.
  assert.equal(verdict(4, 'dcnv2', 2, '2 threads'), undefined);
  assert.equal(targets.filter((t) => t.model === 'mlp' && t.threads === 1 && t.item === 4).length, 0);
});

test('without PyTorch only deeprank\'s own targets are judged', () => {
  const own = summary.map((e) => ({ ...e, pytorch: {} }));
  const { reference, targets } = evaluateTargets(own);
  assert.equal(reference, undefined);
  assert.deepEqual(new Set(targets.map((t) => t.item)), new Set([3, 4, 5]));
});

test('a figure no run produced (null) is left out, not judged', () => {
  const { targets } = evaluateTargets([entry('embedding-heavy', 1, { rss_over_state: null }, { train_ratio: 30 })]);
  assert.deepEqual(targets.map((t) => t.what), ['training samples/s over PyTorch (openblas)']);
});

test('bf16 training is judged against PyTorch in float32 and against PyTorch\'s own bf16 autocast, beside the float32 figure', () => {
  const mlp = entry('mlp', 1, {}, { train_ratio: 1.2, train_bf16_ratio: 2.1 });
  mlp.pytorch['openblas-bf16'] = { train_bf16_ratio: at(1.4) };
  const { targets } = evaluateTargets([mlp]);
  const training = targets.filter((t) => t.what.startsWith('training'));
  assert.deepEqual(training.map((t) => [t.what, t.value.median, t.met]), [
    ['training samples/s over PyTorch (openblas)', 1.2, false],
    ['training samples/s over PyTorch (openblas), deeprank with bf16 products', 2.1, true],
    ['training samples/s over PyTorch (openblas) with bf16 autocast, both in bf16', 1.4, false],
  ]);
});

test('bf16 scoring is judged against PyTorch\'s float model and against its bf16 autocast, beside float32 and int8', () => {
  const mlp = entry('mlp', 1, {}, { train_ratio: 2.1, infer_ratio: 1.1, infer_int8_over_float_ratio: 2.2, infer_bf16_over_float_ratio: 4.2 });
  mlp.pytorch['openblas-bf16'] = { infer_bf16_ratio: at(2.5) };
  const scoring = evaluateTargets([mlp]).targets.filter((t) => t.what.startsWith('scoring'));
  assert.deepEqual(scoring.map((t) => [t.what, t.value.median, t.met]), [
    ['scoring samples/s over PyTorch (openblas), float32', 1.1, false],
    ['scoring samples/s over PyTorch (openblas), int8 bundle against its float model', 2.2, false],
    ['scoring samples/s over PyTorch (openblas), deeprank with bf16 products against its float model', 4.2, true],
    ['scoring samples/s over PyTorch (openblas) with bf16 autocast, both in bf16', 2.5, false],
  ]);
});
