/**
 * What the CLI tests share: running the built `deeprank` command in a child process, a small
 * seeded click log whose clicks depend on two categorical columns and one numeric, a config for
 * it, and the checks every bad-input case makes (exit 2, one `deeprank: error:` line naming
 * file/row/field, no stack trace, nothing left behind).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { Random } from '../../src/util/random.js';

/** dist/src/cli/main.js, found from this file's place in dist/test/cli/. */
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface CliResult {
  /** Exit code; null when killed by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `deeprank args...` in `cwd` on one ONNX Runtime thread; never rejects. */
export function runCli(args: readonly string[], cwd: string): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: { ...process.env, DEEPRANK_THREADS: '1' }, timeout: 60_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}

/** A fresh directory under the OS temp dir, removed when the test `t` ends. */
export async function workDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'deeprank-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface ClickLogOptions {
  rows: number;
  seed: number;
  /** Include the `click` column (default true); prediction input may lack it. */
  labels?: boolean;
}

export const CLICK_LOG_HEADER = 'click,user,item,price';

/**
 * `click,user,item,price` rows: P(click) = sigmoid(±1.5 by user parity ± 1 by item group
 * + 0.3 (price - 5)), so every feature carries signal.
 */
export function clickLogCsv({ rows, seed, labels = true }: ClickLogOptions): string {
  const rng = new Random(seed);
  const lines = [labels ? CLICK_LOG_HEADER : 'user,item,price'];
  for (let r = 0; r < rows; r++) {
    const user = rng.int(12);
    const item = rng.int(8);
    const price = rng.next() * 10;
    const logit = (user % 2 === 1 ? 1.5 : -1.5) + (item < 4 ? 1 : -1) + 0.3 * (price - 5);
    const click = rng.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    lines.push(`${labels ? `${click},` : ''}u${user},i${item},${price.toFixed(2)}`);
  }
  return lines.join('\n') + '\n';
}

/** A config for train.csv (paths relative to the CLI's working directory): DNN, 2 epochs, 1 thread. */
export function clickLogConfig(): Record<string, any> {
  return {
    data: { train: 'train.csv', split: { validation: 0.2, test: 0.2, seed: 7 } },
    label: { column: 'click', task: 'click', kind: 'binary' },
    features: [
      { name: 'user', type: 'categorical' },
      { name: 'item', type: 'categorical' },
      { name: 'price', type: 'numeric', transform: ['standardize'] },
    ],
    model: { type: 'dnn', embeddingDim: 4, hiddenUnits: [16] },
    train: { epochs: 2, batchSize: 64, threads: 1, seed: 1, optimizer: { type: 'adam', learningRate: 0.01 }, metrics: ['auc', 'logloss'] },
  };
}

export async function writeConfig(dir: string, config: unknown, name = 'c.yaml'): Promise<string> {
  await writeFile(join(dir, name), stringify(config));
  return name;
}

/** Every path under `dir` (relative, sorted), including hidden temp files and empty directories. */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

/** The bytes of every file under `dir`, by relative path. */
export async function snapshotFiles(dir: string): Promise<Map<string, Buffer>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  return new Map(await Promise.all(files.map(async (f) => [relative(dir, f), await readFile(f)] as const)));
}

export interface ExpectedCliError {
  /** A path (or its last part) the line must name; absent for errors about a command-line flag. */
  file?: string;
  row?: number;
  /** Column, field or config path, as the line quotes it: `field 'x'`. */
  field?: string;
  message?: RegExp;
}

/** Exit 2 and exactly one stderr line `deeprank: error: <file>[, row N]: [field 'x': ]...`. */
export function assertCliError(result: CliResult, expected: ExpectedCliError): string {
  const shown = `exit ${result.code}\nstderr:\n${result.stderr}\nstdout:\n${result.stdout}`;
  assert.equal(result.code, 2, `exit code 2 expected\n${shown}`);
  const lines = result.stderr.split('\n').filter((line) => line.length > 0);
  assert.equal(lines.length, 1, `exactly one stderr line expected\n${shown}`);
  const line = lines[0]!;
  assert.ok(line.startsWith('deeprank: error: '), `starts with 'deeprank: error: '\n${shown}`);
  assert.doesNotMatch(result.stderr, /^\s+at .+:\d+:\d+\)?$|internal error/m, `no stack trace\n${shown}`);
  if (expected.file !== undefined) assert.ok(line.includes(expected.file), `names the file ${expected.file}: ${line}`);
  if (expected.row !== undefined) assert.ok(line.includes(`, row ${expected.row}:`), `names row ${expected.row}: ${line}`);
  if (expected.field !== undefined) assert.ok(line.includes(`field '${expected.field}'`), `names field ${expected.field}: ${line}`);
  if (expected.message) assert.match(line, expected.message);
  return line;
}
