/**
 * The single-file form of a bundle: a POSIX ustar archive of its flat list of files, so standard
 * tools (`tar -tf`, `tar -xf`) read it too. No dependency provides tar, and a bundle needs only
 * the simplest subset: regular files, names under 100 bytes, no directories, links or extensions.
 *
 * Each file is a 512-byte header (name, octal mode/size/mtime, checksum, type '0', magic
 * "ustar\0" "00") followed by its content padded with zeros to a multiple of 512; two zero blocks
 * end the archive.
 */
import { BundleError } from '../errors.js';

const BLOCK = 512;
const NAME_BYTES = 100;

export interface ArchiveEntry {
  name: string;
  data: Uint8Array;
}

function writeField(header: Buffer, offset: number, length: number, value: string): void {
  header.write(value, offset, length, 'ascii');
}

function octal(value: number, length: number): string {
  return value.toString(8).padStart(length - 1, '0') + '\0';
}

function checksum(header: Buffer): number {
  let sum = 0;
  // The checksum field itself (148..156) counts as spaces.
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum;
}

export function writeTar(entries: readonly ArchiveEntry[], mtime: Date): Buffer {
  const parts: Buffer[] = [];
  for (const { name, data } of entries) {
    if (Buffer.byteLength(name) >= NAME_BYTES || name.includes('/')) throw new RangeError(`archive entry name '${name}' must be a plain file name under ${NAME_BYTES} bytes`);
    const header = Buffer.alloc(BLOCK);
    writeField(header, 0, NAME_BYTES, name);
    writeField(header, 100, 8, octal(0o644, 8));
    writeField(header, 108, 8, octal(0, 8));
    writeField(header, 116, 8, octal(0, 8));
    writeField(header, 124, 12, octal(data.byteLength, 12));
    writeField(header, 136, 12, octal(Math.floor(mtime.getTime() / 1000), 12));
    writeField(header, 156, 1, '0');
    writeField(header, 257, 6, 'ustar\0');
    writeField(header, 263, 2, '00');
    writeField(header, 148, 8, octal(checksum(header), 7) + ' ');
    parts.push(header, Buffer.from(data.buffer, data.byteOffset, data.byteLength), Buffer.alloc((BLOCK - (data.byteLength % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

function readOctal(header: Buffer, offset: number, length: number): number {
  const text = header.toString('ascii', offset, offset + length).replace(/[\0 ]+$/, '').trim();
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : NaN;
}

/** The files of an archive written by `writeTar` (or any ustar archive of plain files). */
export function readTar(archive: Buffer, file: string): ArchiveEntry[] {
  const corrupt = (why: string) => new BundleError(`not a valid bundle archive: ${why}`, { file });
  const entries: ArchiveEntry[] = [];
  let offset = 0;
  for (;;) {
    if (offset + BLOCK > archive.length) throw corrupt(`truncated at byte ${offset}`);
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) return entries;
    const name = header.toString('utf8', 0, NAME_BYTES).replace(/\0.*$/s, '');
    if (header.toString('ascii', 257, 262) !== 'ustar') throw corrupt(`no ustar header at byte ${offset}`);
    if (readOctal(header, 148, 8) !== checksum(header)) throw corrupt(`header checksum mismatch at byte ${offset}${name ? ` ('${name}')` : ''}`);
    const type = String.fromCharCode(header[156]!);
    if ((type !== '0' && type !== '\0') || name.length === 0 || name.includes('/')) throw corrupt(`entry '${name}' is not a plain file`);
    const size = readOctal(header, 124, 12);
    const start = offset + BLOCK;
    if (!Number.isFinite(size) || start + size > archive.length) throw corrupt(`entry '${name}' is truncated`);
    entries.push({ name, data: archive.subarray(start, start + size) });
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
}
