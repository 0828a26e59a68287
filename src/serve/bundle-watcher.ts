/**
 * Calls `onChange` (debounced) when the bundle at `path` changes: a file written inside the
 * bundle directory, or the directory or archive replaced as a whole (createBundle renames a new
 * directory into place, which a watcher on the old directory would never see, so the parent
 * directory is watched for the bundle's name too).
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

export interface BundleWatcher {
  close(): void;
}

export function watchBundle(path: string, onChange: () => void, debounceMs = 500): BundleWatcher {
  const target = resolve(path);
  const name = basename(target);
  let timer: NodeJS.Timeout | undefined;
  let inner: FSWatcher | undefined;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      rewatchInner();
      onChange();
    }, debounceMs);
  };
  // The bundle directory itself, re-armed after each change because it may be a new directory now.
  const rewatchInner = () => {
    inner?.close();
    try {
      inner = watch(target, changed);
      inner.on('error', () => inner?.close());
    } catch {
      inner = undefined; // replaced right now: the parent's watcher sees it arrive
    }
  };
  const parent = watch(dirname(target), (_event, file) => {
    if (file === name) changed();
  });
  rewatchInner();
  return {
    close() {
      clearTimeout(timer);
      parent.close();
      inner?.close();
    },
  };
}
