/** Where the shared real data lives, and the skip reason tests print when it is absent. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './repo-root.js';

export const sharedData = join(repoRoot(), '..', 'shared', 'data');

export function realDataSkip(sub: string): string | false {
  const path = join(sharedData, sub);
  if (existsSync(path)) return false;
  const reason = `real data not found at ${path} (../shared/data beside the repository)`;
  console.log(`skipping: ${reason}`);
  return reason;
}

/** An example config from examples/, as a plain object to override sections of. */
export function exampleConfig(name: string): Record<string, unknown> {
  return parse(readFileSync(join(repoRoot(), 'examples', name), 'utf8')) as Record<string, unknown>;
}
