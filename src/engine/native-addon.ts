/** deeprank's Node-API addons (native/*.c), built by node-gyp at install into the package's build/. */
import { createRequire } from 'node:module';

/** Addon `name`, or undefined where it was not built or does not load here. */
export function loadAddon<T>(name: string): T | undefined {
  try {
    // dist/src/engine -> the package root's build/ (node-gyp's output).
    return createRequire(import.meta.url)(`../../../build/Release/${name}.node`) as T;
  } catch {
    return undefined;
  }
}
