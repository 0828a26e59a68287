/** Temp-dir files and error assertions shared by the data tests. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { DeeprankError } from '../../src/errors.js';

const created: string[] = [];
after(async () => {
  await Promise.all(created.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh directory under os.tmpdir(), removed after the test file. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'deeprank-data-'));
  created.push(dir);
  return dir;
}

/** Write `files` (name -> content) into `dir`; returns `dir`. */
export async function writeFiles(dir: string, files: Record<string, string | Uint8Array>): Promise<string> {
  await Promise.all(Object.entries(files).map(([name, content]) => writeFile(join(dir, name), content)));
  return dir;
}

/** A temp dir holding `files`. */
export async function filesIn(files: Record<string, string | Uint8Array>): Promise<string> {
  return writeFiles(await tempDir(), files);
}

export interface ExpectedError {
  type: new (...args: never[]) => DeeprankError;
  /** Exact file, or a suffix of it. */
  file?: string;
  row?: number;
  field?: string;
  message?: RegExp;
}

/** Assert that `action` throws/rejects with a DeeprankError at this location; returns it. */
export async function expectError(action: () => unknown, expected: ExpectedError): Promise<DeeprankError> {
  let caught: unknown;
  try {
    await action();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof expected.type, `expected ${expected.type.name}, got ${String(caught)}`);
  const error = caught as DeeprankError;
  const { file, row, field } = error.location;
  const line = error.describe();
  if (expected.file !== undefined) {
    assert.ok(file?.endsWith(expected.file), `file: expected ...${expected.file}, got ${file} (${line})`);
    assert.ok(line.includes(expected.file), `describe() names the file: ${line}`);
  }
  if (expected.row !== undefined) {
    assert.equal(row, expected.row, `row (${line})`);
    assert.ok(line.includes(`row ${expected.row}`), `describe() names the row: ${line}`);
  }
  if (expected.field !== undefined) {
    assert.equal(field, expected.field, `field (${line})`);
    assert.ok(line.includes(expected.field), `describe() names the field: ${line}`);
  }
  if (expected.message) assert.match(error.message, expected.message);
  return error;
}
