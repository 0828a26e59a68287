/**
 * A small binary container for named float32 tensors: `DRT1`, a u32 header length, a JSON header
 * ({name, shape, offset}[] plus free-form metadata) and the raw little-endian data, 4-byte aligned.
 */
import { readFile } from 'node:fs/promises';
import { ArtifactError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';

const MAGIC = 'DRT1';

export interface NamedTensor {
  shape: readonly number[];
  data: Float32Array;
}

export async function writeTensorFile(path: string, tensors: ReadonlyMap<string, NamedTensor>, metadata: unknown = {}): Promise<void> {
  let offset = 0;
  const entries = [...tensors].map(([name, t]) => {
    const entry = { name, shape: t.shape, offset, length: t.data.length };
    offset += t.data.length;
    return entry;
  });
  let header = new TextEncoder().encode(JSON.stringify({ entries, metadata }));
  const padded = Math.ceil((8 + header.length) / 4) * 4 - 8;
  const headerBytes = new Uint8Array(padded).fill(0x20);
  headerBytes.set(header);
  header = headerBytes;
  const out = new Uint8Array(8 + header.length + offset * 4);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(4, header.length, true);
  out.set(header, 8);
  const body = new Float32Array(out.buffer, 8 + header.length, offset);
  for (const [i, [, t]] of [...tensors].entries()) body.set(t.data, entries[i]!.offset);
  await writeFileAtomic(path, out);
}

export async function readTensorFile(path: string): Promise<{ tensors: Map<string, NamedTensor>; metadata: unknown }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    throw new ArtifactError(`cannot read tensor file`, { file: path });
  }
  if (bytes.length < 8 || bytes.toString('latin1', 0, 4) !== MAGIC) throw new ArtifactError('not a deeprank tensor file', { file: path });
  const headerLength = bytes.readUInt32LE(4);
  if (8 + headerLength > bytes.length) throw new ArtifactError(`the header runs past the end of the file (truncated?)`, { file: path });
  let header: { entries: { name: string; shape: number[]; offset: number; length: number }[]; metadata: unknown };
  try {
    header = JSON.parse(bytes.toString('utf8', 8, 8 + headerLength)) as typeof header;
  } catch (error) {
    throw new ArtifactError(`unreadable header: ${(error as Error).message}`, { file: path });
  }
  const { entries, metadata } = header;
  const bodyBytes = bytes.length - 8 - headerLength;
  if (bodyBytes % 4 !== 0) throw new ArtifactError(`the data is ${bodyBytes} bytes, not a whole number of float32 values (truncated?)`, { file: path });
  const aligned = new Uint8Array(bodyBytes);
  aligned.set(bytes.subarray(8 + headerLength));
  const body = new Float32Array(aligned.buffer);
  const tensors = new Map<string, NamedTensor>();
  for (const e of entries) {
    if (e.offset + e.length > body.length) throw new ArtifactError(`tensor '${e.name}' runs past the end of the file (truncated?)`, { file: path });
    tensors.set(e.name, { shape: e.shape, data: body.subarray(e.offset, e.offset + e.length) });
  }
  return { tensors, metadata };
}
