/**
 * The bundle archive is plain ustar: our reader gets back exactly what was written (sizes on and
 * off the 512-byte block boundary, an empty file), the system `tar` lists it when present, and
 * corrupt archives are one BundleError naming the archive.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTar, writeTar } from '../../src/bundle/tar-archive.js';
import { BundleError } from '../../src/errors.js';

const entries = [
  { name: 'manifest.json', data: Buffer.from('{"a":1}\n') },
  { name: 'empty.bin', data: new Uint8Array(0) },
  { name: 'block.bin', data: new Uint8Array(512).map((_, i) => i % 251) },
  { name: 'weights.bin', data: new Uint8Array(1300).map((_, i) => (i * 7) % 256) },
];
const archive = writeTar(entries, new Date('2026-01-02T03:04:05Z'));

test('writeTar/readTar round trip; the archive is whole 512-byte blocks ending in two zero blocks', () => {
  assert.equal(archive.length % 512, 0);
  assert.equal(archive.length, 512 * (1 + 1 + 1 + 0 + 1 + 1 + 1 + 3 + 2));
  assert.ok(archive.subarray(-1024).every((b) => b === 0));
  const read = readTar(archive, 'x.tar');
  assert.deepEqual(read.map((e) => e.name), entries.map((e) => e.name));
  read.forEach((e, i) => assert.ok(Buffer.from(e.data).equals(Buffer.from(entries[i]!.data)), e.name));
});

test('the system tar reads it (when installed)', async (t) => {
  let version: string;
  try {
    version = execFileSync('tar', ['--version'], { encoding: 'utf8' });
  } catch {
    t.skip('no tar on this machine');
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'deeprank-tar-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'b.tar'), archive);
  const listing = execFileSync('tar', ['-tvf', join(dir, 'b.tar')], { encoding: 'utf8' });
  console.log(`${version.split('\n')[0]} lists:\n${listing.trimEnd()}`);
  assert.deepEqual(listing.trim().split('\n').map((l) => l.split(/\s+/).at(-1)), entries.map((e) => e.name));
  assert.match(listing, /1300 2026-01-02/);
});

test('corrupt archives: one BundleError naming the archive', () => {
  const cases: [string, Buffer, RegExp][] = [
    ['garbage', Buffer.from('this is not an archive'), /truncated at byte 0/],
    ['no ustar magic', Buffer.concat([Buffer.alloc(512, 1), Buffer.alloc(1024)]), /no ustar header at byte 0/],
    ['flipped header byte', Buffer.from(archive).fill(0x41, 10, 11), /header checksum mismatch at byte 0/],
    ['cut short', archive.subarray(0, 512 * 6 + 100), /entry 'weights\.bin' is truncated|truncated at byte/],
    ['missing end blocks', archive.subarray(0, archive.length - 1024), /truncated at byte/],
  ];
  for (const [what, bytes, message] of cases) {
    assert.throws(() => readTar(bytes, 'bad.tar'), (e: BundleError) => e instanceof BundleError && e.location.file === 'bad.tar' && message.test(e.message), what);
  }
  assert.throws(() => writeTar([{ name: 'dir/file', data: new Uint8Array(1) }], new Date()), /plain file name/);
});
