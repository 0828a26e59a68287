/**
 * Reading a YAML (or JSON, which YAML includes) config file: run configs, leaderboards, utility
 * policies. A missing file, a directory or a syntax error is one ConfigError naming the file.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.js';

/** The file's parsed value; `what` names it in the error ('the config file', 'the utility policy'). */
export async function readConfigFile(file: string, what = 'the config file'): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'a directory, not a file' : (error as Error).message;
    throw new ConfigError(`cannot read ${what}: ${reason}`, { file });
  }
  try {
    return parseYaml(text);
  } catch (error) {
    throw new ConfigError(`not valid YAML/JSON: ${(error as Error).message.split('\n')[0]}`, { file });
  }
}
