import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** A file's content identity: lowercase hex SHA-256 and length in bytes. */
export interface ContentHash {
  sha256: string;
  bytes: number;
}

export function contentHash(data: Uint8Array): ContentHash {
  return { sha256: createHash('sha256').update(data).digest('hex'), bytes: data.byteLength };
}

export async function fileContentHash(path: string): Promise<ContentHash> {
  return contentHash(await readFile(path));
}
