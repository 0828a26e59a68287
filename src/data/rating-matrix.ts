/**
 * Explicit ratings as an item x user matrix, the input of item-based collaborative filtering
 * (I-AutoRec): row i is item i's rating column over every user, with a 0/1 mask of the observed
 * entries. Read from MovieLens-style files: `user item rating [timestamp]` per line, tab or space
 * separated (ml-100k u.data, u1.base, u1.test).
 */
import { readFile } from 'node:fs/promises';
import { DataError } from '../errors.js';
import { checkReadableFile } from './csv-reader.js';

export interface Rating {
  user: string;
  item: string;
  rating: number;
  /** 1-based line in the file, for error messages. */
  line: number;
}

const FIELDS = ['user', 'item', 'rating'] as const;

export async function readRatings(file: string): Promise<Rating[]> {
  await checkReadableFile(file);
  const text = await readFile(file, 'utf8');
  const ratings: Rating[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '') return;
    const tokens = trimmed.split(/\s+/);
    if (tokens.length < 3 || tokens.length > 4) {
      throw new DataError(`expected 'user item rating [timestamp]', found ${tokens.length} fields`, { file, row: line, field: FIELDS[Math.min(tokens.length, 3) - 1] });
    }
    const rating = Number(tokens[2]);
    if (tokens[2] === '' || !Number.isFinite(rating)) throw new DataError(`rating must be a number, got '${tokens[2]}'`, { file, row: line, field: 'rating' });
    ratings.push({ user: tokens[0]!, item: tokens[1]!, rating, line });
  });
  if (ratings.length === 0) throw new DataError('no ratings in the file', { file });
  return ratings;
}

export class RatingMatrix {
  /** Column of each user id, in order of first appearance. */
  readonly users = new Map<string, number>();
  /** Row of each item id, in order of first appearance. */
  readonly items = new Map<string, number>();
  /** [items, users], 0 where unobserved. */
  readonly values: Float32Array;
  /** [items, users], 1 where observed. */
  readonly mask: Float32Array;
  readonly globalMean: number;
  readonly userMeans: Float64Array;
  readonly itemMeans: Float64Array;

  /** `file` names the source in the error for a user rating the same item twice. */
  constructor(ratings: readonly Rating[], file?: string) {
    if (ratings.length === 0) throw new DataError('a rating matrix needs at least one rating', file ? { file } : {});
    for (const r of ratings) {
      if (!this.users.has(r.user)) this.users.set(r.user, this.users.size);
      if (!this.items.has(r.item)) this.items.set(r.item, this.items.size);
    }
    const nUsers = this.users.size;
    this.values = new Float32Array(this.items.size * nUsers);
    this.mask = new Float32Array(this.items.size * nUsers);
    const userSums = new Float64Array(nUsers * 2);
    const itemSums = new Float64Array(this.items.size * 2);
    const firstLine = new Map<number, number>();
    let total = 0;
    for (const r of ratings) {
      const u = this.users.get(r.user)!;
      const i = this.items.get(r.item)!;
      const cell = i * nUsers + u;
      if (this.mask[cell]) {
        throw new DataError(`user ${r.user} rates item ${r.item} again (first on line ${firstLine.get(cell)})`, { ...(file ? { file } : {}), row: r.line, field: 'item' });
      }
      firstLine.set(cell, r.line);
      this.values[cell] = r.rating;
      this.mask[cell] = 1;
      userSums[2 * u] += r.rating;
      userSums[2 * u + 1]++;
      itemSums[2 * i] += r.rating;
      itemSums[2 * i + 1]++;
      total += r.rating;
    }
    this.globalMean = total / ratings.length;
    this.userMeans = Float64Array.from({ length: nUsers }, (_, u) => userSums[2 * u]! / userSums[2 * u + 1]!);
    this.itemMeans = Float64Array.from({ length: this.items.size }, (_, i) => itemSums[2 * i]! / itemSums[2 * i + 1]!);
  }

  static async read(file: string): Promise<RatingMatrix> {
    return new RatingMatrix(await readRatings(file), file);
  }

  get userCount(): number {
    return this.users.size;
  }

  get itemCount(): number {
    return this.items.size;
  }

  /** Rows `items[0..count)` of the values and the mask, copied into [count, users] blocks. */
  gatherRows(items: ArrayLike<number>, count: number, values: Float32Array, mask: Float32Array): void {
    const width = this.users.size;
    for (let k = 0; k < count; k++) {
      const start = items[k]! * width;
      values.set(this.values.subarray(start, start + width), k * width);
      mask.set(this.mask.subarray(start, start + width), k * width);
    }
  }
}
