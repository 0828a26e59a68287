/**
 * The scoring server (Fastify):
 *   POST /v1/score       { context, candidates: [...], topK? } -> scores in candidate order
 *   GET  /healthz        200 while the process is up
 *   GET  /readyz         200 when a verified, warmed-up bundle is serving, else 503
 *   GET  /metrics        Prometheus text (serving-metrics.ts)
 *   POST /admin/reload   { path? } swap in a bundle (default: the serving bundle's path again)
 *   POST /admin/rollback swap back to the bundle the last reload replaced
 * A bad request is 400 { error, field } naming the field; a refused reload 422 with the old
 * bundle still serving; a scoring failure 500 with one line (logged); never a stack trace.
 */
import type { ProductPrecision } from '../engine/graph.js';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions, type RouteHandlerMethod } from 'fastify';
import { z } from 'zod';
import type { BundleScores } from '../bundle/bundle-scorer.js';
import { DeeprankError } from '../errors.js';
import { orderByScore } from '../metrics/score-order.js';
import { RequestError } from './request-error.js';
import { DEFAULT_MAX_CANDIDATES } from './request-schema.js';
import type { ModelVersion } from './served-model.js';
import { ServingBundle } from './serving-bundle.js';
import { ServingMetrics } from './serving-metrics.js';

export interface ServerOptions {
  /** Bundle directory or .tar archive. */
  bundle: string;
  /** Most candidates one request may score (default 1000). */
  maxCandidates?: number;
  /** ONNX Runtime threads per session. */
  threads?: number;
  /** How the bundle's products are computed (Bundle.createSession; default float32). */
  precision?: ProductPrecision;
  /** Fastify's logger option (default: off). */
  logger?: FastifyServerOptions['logger'];
}

export interface ScoringServer {
  app: FastifyInstance;
  serving: ServingBundle;
  metrics: ServingMetrics;
  /** Swap in the bundle at `path` (default: the serving one's path); refused bundles throw and are counted. */
  reload(path?: string): Promise<ModelVersion>;
  rollback(): Promise<ModelVersion>;
}

export interface ScoreResponse {
  model: { type: string; createdAt: string; version: string };
  scores: number[];
  predictions: Record<string, number[]>;
  utility?: number[];
  topK?: { index: number; score: number }[];
}

const ReloadBody = z.strictObject({ path: z.string({ error: 'expected a bundle path' }).min(1, { error: 'expected a bundle path' }).optional() }).optional();
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

function describeModel(version: ModelVersion): ScoreResponse['model'] {
  return { type: version.type, createdAt: version.createdAt, version: version.manifestSha256 };
}

/** The `k` best candidates by score, best first; ties keep input order. */
export function topK(score: ArrayLike<number>, k: number): { index: number; score: number }[] {
  return Array.from(orderByScore(score, 'descending').subarray(0, k), (index) => ({ index, score: score[index]! }));
}

function scoreResponse(version: ModelVersion, scores: BundleScores, k: number | undefined): ScoreResponse {
  return {
    model: describeModel(version),
    scores: Array.from(scores.score),
    predictions: Object.fromEntries([...scores.tasks].map(([task, { calibrated }]) => [task, Array.from(calibrated)])),
    ...(scores.utility ? { utility: Array.from(scores.utility) } : {}),
    ...(k !== undefined ? { topK: topK(scores.score, k) } : {}),
  };
}

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
const describeError = (error: unknown) => (error instanceof DeeprankError ? error.describe() : firstLine(error));

export async function createServer(options: ServerOptions): Promise<ScoringServer> {
  const serving = new ServingBundle({
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.maxCandidates !== undefined ? { maxCandidates: options.maxCandidates } : {}),
    ...(options.precision !== undefined ? { precision: options.precision } : {}),
  });
  const metrics = new ServingMetrics();
  const maxCandidates = options.maxCandidates ?? DEFAULT_MAX_CANDIDATES;
  // Room for maxCandidates candidates of a few kilobytes each.
  const app = Fastify({ logger: options.logger ?? false, logController: new LogController({ disableRequestLogging: true }), bodyLimit: Math.max(1 << 20, maxCandidates * 4096) });

  const reload = async (path?: string) => {
    try {
      const version = await serving.reload(path);
      metrics.reload('swapped');
      metrics.serving(version);
      app.log.info({ model: version }, 'bundle swapped in');
      return version;
    } catch (error) {
      metrics.reload('refused');
      app.log.warn(`bundle refused, the previous one keeps serving: ${describeError(error)}`);
      throw error;
    }
  };
  const rollback = async () => {
    const version = await serving.rollback();
    metrics.reload('rolled_back');
    metrics.serving(version);
    app.log.info({ model: version }, 'rolled back');
    return version;
  };
  await reload(options.bundle);

  app.addHook('onResponse', async (request, reply) => {
    metrics.latency.observe({ route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  app.addHook('onClose', () => serving.close());

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof RequestError) return reply.code(400).send({ error: error.message, field: error.location.field ?? null });
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) return reply.code(status).send({ error: firstLine(error), field: null });
    request.log.error(`${request.method} ${request.url} failed: ${describeError(error)}`);
    return reply.code(500).send({ error: `internal error: ${describeError(error)}` });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: `no route ${request.method} ${request.url}` }));

  const routes: { method: 'GET' | 'POST'; url: string; handler: RouteHandlerMethod }[] = [
    {
      method: 'POST',
      url: '/v1/score',
      handler: async (request, reply) => {
        if (!serving.ready) return reply.code(503).send({ error: 'no bundle is serving' });
        const lease = serving.acquire();
        try {
          const scoreRequest = lease.model.parser.parse(request.body);
          const { scores, quality } = await lease.model.score(scoreRequest);
          metrics.recordScored(scores.score, quality);
          return scoreResponse(lease.model.version, scores, scoreRequest.topK);
        } finally {
          lease.release();
        }
      },
    },
    { method: 'GET', url: '/healthz', handler: async () => ({ status: 'ok' }) },
    {
      method: 'GET',
      url: '/readyz',
      handler: async (_request, reply) => {
        const version = serving.version;
        return version ? { status: 'ready', model: describeModel(version) } : reply.code(503).send({ status: 'not ready' });
      },
    },
    { method: 'GET', url: '/metrics', handler: async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()) },
    {
      method: 'POST',
      url: '/admin/reload',
      handler: async (request, reply) => {
        const body = ReloadBody.safeParse(request.body ?? undefined);
        if (!body.success) throw new RequestError(body.error.issues[0]!.message, body.error.issues[0]!.path.join('.') || undefined);
        try {
          return { status: 'swapped', model: describeModel(await reload(body.data?.path)) };
        } catch (error) {
          if (!(error instanceof DeeprankError)) throw error;
          return reply.code(422).send({ error: `bundle refused, the previous one keeps serving: ${error.describe()}`, model: describeModel(serving.version!) });
        }
      },
    },
    {
      method: 'POST',
      url: '/admin/rollback',
      handler: async (_request, reply) => {
        if (!serving.previousVersion) return reply.code(409).send({ error: 'no previous bundle to roll back to' });
        return { status: 'rolled back', model: describeModel(await rollback()) };
      },
    },
  ];
  for (const { method, url, handler } of routes) {
    app.route({ method, url, handler });
    const allowed = method === 'GET' ? ['GET', 'HEAD'] : [method];
    app.route({
      method: METHODS.filter((m) => !allowed.includes(m)),
      url,
      handler: async (request, reply) => reply.code(405).header('allow', allowed.join(', ')).send({ error: `${request.method} is not allowed on ${url}; use ${allowed.join(' or ')}` }),
    });
  }
  return { app, serving, metrics, reload, rollback };
}
