/**
 * /health: unauthenticated liveness and dependency status for load balancers and people.
 * Answers 503 when the database is unreachable so a proxy can take the node out.
 */
import type { Request, Response } from 'express';
import type { Redis } from 'ioredis';
import type { Database } from '../db/database.js';

/** A component's status on /health. */
export interface ComponentStatus {
  status: 'ok' | 'error' | 'disabled';
  latencyMs?: number;
  detail?: string;
}

/** Extra sections later capabilities contribute (toolsets, embedder, models…). */
export type HealthContributor = () => Promise<Record<string, unknown>> | Record<string, unknown>;

async function timed(probe: () => Promise<unknown>): Promise<ComponentStatus> {
  const start = performance.now();
  try {
    await Promise.race([
      probe(),
      new Promise((_resolve, reject) => setTimeout(() => reject(new Error('timed out after 2s')), 2000).unref()),
    ]);
    return { status: 'ok', latencyMs: Math.round((performance.now() - start) * 100) / 100 };
  } catch (error) {
    return { status: 'error', detail: (error as Error).message };
  }
}

/** Builds the /health handler. */
export function healthHandler(options: {
  database: Database;
  redis?: Redis | undefined;
  version: string;
  contributors?: Record<string, HealthContributor>;
}) {
  const startedAt = Date.now();
  return async (_request: Request, response: Response) => {
    const [db, redis] = await Promise.all([
      timed(() => options.database.ping()),
      options.redis ? timed(() => options.redis!.ping()) : Promise.resolve<ComponentStatus>({ status: 'disabled' }),
    ]);
    const extra: Record<string, unknown> = {};
    for (const [name, contributor] of Object.entries(options.contributors ?? {})) {
      extra[name] = await Promise.resolve(contributor()).catch((error: Error) => ({ status: 'error', detail: error.message }));
    }
    const healthy = db.status === 'ok';
    response.status(healthy ? 200 : 503).json({
      status: healthy ? (redis.status === 'error' ? 'degraded' : 'ok') : 'error',
      version: options.version,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      db: { ...db, backend: options.database.backend },
      redis,
      ...extra,
    });
  };
}
