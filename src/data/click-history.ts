/**
 * MovieLens 100K as click-through data with behaviour histories (the DIN/DIEN protocol here):
 * every rating is an impression, a click when the rating is >= 4. Each user's ratings are put in
 * time order (ties: file order) and each sample's history is that user's earlier clicked movies,
 * oldest first, at most `maxHistory` (the most recent). The candidate's features are the movie id
 * and its genres (u.item). The last `testFraction` of each user's timeline (at least one rating)
 * is the test split, everything before it the training split. Nothing is random.
 *
 * The result is a RawTable with columns user_id, item_id, genres ('|'-joined), history
 * ('|'-joined movie ids) and click, encoded by the ordinary FeaturePipeline with
 * `clickHistoryFeatures`: the history is a sequence feature sharing item_id's vocabulary.
 * For category-keyed search (SIM's hard search) each movie also has one category, its first
 * genre: column genre for the candidate and history_genre, parallel to history, for the
 * behaviours (`clickHistoryCategoryFeatures`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import type { FeatureConfigInput, LabelConfigInput } from './data-config.js';
import { readInteractions } from './implicit-feedback.js';
import { NumericColumnBuilder, RawTable, StringColumnBuilder, type RawColumn } from './raw-table.js';

/** u.item's 19 genre flags, in column order (u.genre). */
const GENRES = ['unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy', 'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western'];

export interface ClickHistoryOptions {
  /** Most recent clicks kept in a history (default 50). */
  maxHistory?: number;
  /** Share of each user's timeline held out at its end (default 0.1). */
  testFraction?: number;
  /** A rating at least this is a click (default 4). */
  clickThreshold?: number;
}

export interface ClickHistoryData {
  table: RawTable;
  train: Int32Array;
  test: Int32Array;
  /** Each row's MovieLens user id: the groups of gAUC. */
  users: Int32Array;
}

/**
 * The features the protocol's table is meant to be encoded with: the user (id), the candidate
 * (movie id and genres) and the user's behaviour sequence, which shares item_id's vocabulary
 * and embedding table.
 */
export function clickHistoryFeatures(maxHistory = 50): FeatureConfigInput[] {
  return [
    { name: 'user_id', type: 'categorical' },
    { name: 'item_id', type: 'categorical' },
    { name: 'genres', type: 'multi_value', maxLength: 6, truncate: 'first', pooling: 'mean' },
    { name: 'history', type: 'sequence', maxLength: maxHistory, vocabularyOf: 'item_id' },
  ];
}

/**
 * The candidate's category and the parallel sequence of the behaviours' categories, sharing one
 * vocabulary so a behaviour is in the candidate's category exactly when their ids are equal.
 */
export function clickHistoryCategoryFeatures(maxHistory = 50): FeatureConfigInput[] {
  return [
    { name: 'genre', type: 'categorical' },
    { name: 'history_genre', type: 'sequence', maxLength: maxHistory, vocabularyOf: 'genre' },
  ];
}

export const CLICK_LABEL: LabelConfigInput = { column: 'click', kind: 'binary' };

/** Genre names per movie id, from u.item (latin1, '|'-separated, 19 trailing 0/1 flags). */
async function readGenres(file: string): Promise<Map<number, string>> {
  let text: string;
  try {
    text = await readFile(file, 'latin1');
  } catch (error) {
    throw new DataError(`cannot read the movies: ${(error as Error).message}`, { file });
  }
  const genres = new Map<number, string>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const parts = line.split('|');
    const flags = parts.slice(-GENRES.length);
    const id = Number(parts[0]);
    if (parts.length < GENRES.length + 2 || !Number.isInteger(id) || flags.some((f) => f !== '0' && f !== '1')) {
      throw new DataError(`expected a movie id, title fields and ${GENRES.length} genre flags (0/1)`, { file, row: i + 1 });
    }
    genres.set(id, GENRES.filter((_, g) => flags[g] === '1').join('|'));
  });
  return genres;
}

/** Build the protocol from an ml-100k directory (u.data, u.item). */
export async function movieLensClickHistory(dir: string, options: ClickHistoryOptions = {}): Promise<ClickHistoryData> {
  const { maxHistory = 50, testFraction = 0.1, clickThreshold = 4 } = options;
  const dataFile = join(dir, 'u.data');
  const { users, items, timestamps, ratings } = await readInteractions(dataFile);
  const genresOf = await readGenres(join(dir, 'u.item'));

  const byUser = new Map<number, number[]>();
  for (let i = 0; i < users.length; i++) {
    let list = byUser.get(users[i]!);
    if (!list) byUser.set(users[i]!, (list = []));
    list.push(i);
  }
  const columns = {
    user_id: new StringColumnBuilder(),
    item_id: new StringColumnBuilder(),
    genres: new StringColumnBuilder(),
    history: new StringColumnBuilder(),
    genre: new StringColumnBuilder(),
    history_genre: new StringColumnBuilder(),
  };
  const click = new NumericColumnBuilder();
  const rowUsers: number[] = [];
  const train: number[] = [];
  const test: number[] = [];
  let row = 0;
  for (const user of [...byUser.keys()].sort((a, b) => a - b)) {
    // Array.prototype.sort is stable: equal timestamps keep the file's order.
    const timeline = byUser.get(user)!.sort((a, b) => timestamps[a]! - timestamps[b]!);
    const firstTest = timeline.length - Math.max(1, Math.ceil(timeline.length * testFraction));
    const clicked: number[] = [];
    const clickedGenres: string[] = [];
    timeline.forEach((i, position) => {
      const item = items[i]!;
      const genres = genresOf.get(item);
      if (genres === undefined) throw new DataError(`movie ${item} is not in u.item`, { file: dataFile, row: i + 1, field: 'item' });
      columns.user_id.push(String(user));
      columns.item_id.push(String(item));
      columns.genres.push(genres);
      columns.history.push(clicked.slice(-maxHistory).join('|'));
      // A movie without genre flags still needs a token, or history_genre would lose alignment.
      const genre = genres.split('|')[0] || 'none';
      columns.genre.push(genre);
      columns.history_genre.push(clickedGenres.slice(-maxHistory).join('|'));
      const isClick = ratings[i]! >= clickThreshold;
      click.pushValue(isClick ? 1 : 0);
      if (isClick) {
        clicked.push(item);
        clickedGenres.push(genre);
      }
      rowUsers.push(user);
      (position < firstTest ? train : test).push(row++);
    });
  }
  const stored = new Map<string, RawColumn>(Object.entries(columns).map(([name, b]) => [name, b.build(dataFile)]));
  stored.set('click', click.build(dataFile));
  const table = new RawTable(dataFile, 'tsv', row, [...stored.keys()], stored);
  return { table, train: Int32Array.from(train), test: Int32Array.from(test), users: Int32Array.from(rowUsers) };
}
