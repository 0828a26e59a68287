/**
 * `deeprank serve`: the scoring server (src/serve/server.ts) on a port, until SIGINT/SIGTERM.
 * With --watch, a change to the bundle path reloads it; a refused bundle is logged and counted
 * and the serving one stays.
 */
import type { ProductPrecision } from '../engine/graph.js';
import { ConfigError } from '../errors.js';
import { createServer } from '../serve/server.js';
import { watchBundle } from '../serve/bundle-watcher.js';

export interface ServeOptions {
  bundle: string;
  port: number;
  host: string;
  maxCandidates: number;
  threads?: number;
  precision?: ProductPrecision;
  watch?: boolean;
}

export async function serveCommand(options: ServeOptions): Promise<void> {
  const server = await createServer({
    bundle: options.bundle,
    maxCandidates: options.maxCandidates,
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.precision !== undefined ? { precision: options.precision } : {}),
    logger: { level: 'info' },
  });
  const { app } = server;
  let address: string;
  try {
    address = await app.listen({ port: options.port, host: options.host });
  } catch (error) {
    await app.close();
    throw new ConfigError(`cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`, { field: '--port' });
  }
  const version = server.serving.version!;
  console.log(`serving ${version.type} bundle ${options.bundle} (created ${version.createdAt}, manifest ${version.manifestSha256}) on ${address}`);
  // A failed reload is already logged and counted by the server.
  const watcher = options.watch ? watchBundle(options.bundle, () => void server.reload(options.bundle).catch(() => undefined)) : undefined;
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  watcher?.close();
  await app.close();
}
