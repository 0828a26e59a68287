/**
 * The hashing alternative to a vocabulary: id = fnv1a32(utf8(value)) mod buckets. Nothing is
 * fitted, any value (seen or not) gets an id in 0..buckets-1, and ids are stable across runs,
 * machines and languages (FNV-1a over UTF-8 bytes is easy to reproduce in a serving stack).
 *
 *   fnv1a32('') = 0x811c9dc5, fnv1a32('a') = 0xe40c292c, fnv1a32('foobar') = 0xbf9cf968
 */
import { ArtifactError } from '../errors.js';
import type { CategoryIndex, HashBucketsJson } from './vocabulary.js';

const encoder = new TextEncoder();

/** 32-bit FNV-1a of the UTF-8 bytes of `value`, as an unsigned integer. */
export function fnv1a32(value: string): number {
  let hash = 0x811c9dc5;
  // ASCII fast path; anything else goes through the UTF-8 encoder.
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x80) return fnv1a32Bytes(encoder.encode(value));
    hash = Math.imul(hash ^ c, 0x01000193);
  }
  return hash >>> 0;
}

function fnv1a32Bytes(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash >>> 0;
}

export class HashBuckets implements CategoryIndex {
  constructor(readonly buckets: number) {
    if (!Number.isInteger(buckets) || buckets < 1) throw new RangeError(`hashBuckets: expected a positive integer, got ${buckets}`);
  }

  get cardinality(): number {
    return this.buckets;
  }

  lookup(value: string): number {
    return fnv1a32(value) % this.buckets;
  }

  toJSON(): HashBucketsJson {
    return { kind: 'hash', buckets: this.buckets, hash: 'fnv1a32' };
  }

  static fromJSON(json: unknown): HashBuckets {
    const v = json as Partial<HashBucketsJson> | null;
    if (!v || v.kind !== 'hash' || v.hash !== 'fnv1a32' || typeof v.buckets !== 'number') {
      throw new ArtifactError("not hash buckets (expected kind 'hash', hash 'fnv1a32', buckets)");
    }
    return new HashBuckets(v.buckets);
  }
}
