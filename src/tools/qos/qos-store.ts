/**
 * Where applied policies and their snapshots live, so a rollback works after a restart and
 * every change can be traced to an execution. Prisma-backed in the app, in memory for the
 * engine's own tests and the benchmark.
 */
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { LiveState } from './tc-state.js';

/**
 * Lifecycle of an application. `rolling_back`: a node claimed it and is restoring its snapshot
 * (left behind only if that node died mid-restore; a rollback may then be retried).
 */
export type QosApplicationStatus = 'applied' | 'pending_confirmation' | 'confirmed' | 'rolling_back' | 'rolled_back' | 'failed';

/** One applied policy. */
export interface QosApplicationRecord {
  id: string;
  executionId: string | null;
  interface: string;
  device: string;
  namespace: string | null;
  /** Host (node host name) whose tc state was changed; null for applications recorded before hosts were. */
  host: string | null;
  direction: string;
  intent: string | null;
  policy: unknown;
  batch: string;
  snapshot: LiveState[];
  status: QosApplicationStatus;
  error: string | null;
  confirmDeadline: Date | null;
  appliedBy: string | null;
  createdAt: Date;
}

/** Persistence for applications. */
export interface QosStore {
  insert(record: Omit<QosApplicationRecord, 'id' | 'createdAt'>): Promise<QosApplicationRecord>;
  update(id: string, patch: Partial<Pick<QosApplicationRecord, 'status' | 'error' | 'confirmDeadline'>>): Promise<void>;
  /**
   * Compare-and-set: applies `patch` only if the status is one of `from`; true when it did.
   * Nodes sharing the database use it so a confirm and a revert (or two reverts) never both win.
   */
  transition(
    id: string,
    from: QosApplicationStatus[],
    patch: Partial<Pick<QosApplicationRecord, 'status' | 'error' | 'confirmDeadline'>>,
  ): Promise<boolean>;
  find(idOrExecutionId: string): Promise<QosApplicationRecord | null>;
  listForInterface(name: string, limit: number): Promise<QosApplicationRecord[]>;
  /** Applications still waiting for confirmation (re-armed after a restart). */
  listPending(): Promise<QosApplicationRecord[]>;
}

/** In-memory store (tests, benchmark). */
export function createMemoryQosStore(): QosStore {
  const records = new Map<string, QosApplicationRecord>();
  return {
    async insert(record) {
      const full = { ...record, id: randomUUID(), createdAt: new Date() };
      records.set(full.id, full);
      return full;
    },
    async update(id, patch) {
      const record = records.get(id);
      if (record) records.set(id, { ...record, ...patch });
    },
    async transition(id, from, patch) {
      const record = records.get(id);
      if (!record || !from.includes(record.status)) return false;
      records.set(id, { ...record, ...patch });
      return true;
    },
    async find(key) {
      return records.get(key) ?? [...records.values()].find((record) => record.executionId === key) ?? null;
    },
    async listForInterface(name, limit) {
      return [...records.values()]
        .filter((record) => record.interface === name)
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
        .slice(0, limit);
    },
    async listPending() {
      return [...records.values()].filter((record) => record.status === 'pending_confirmation');
    },
  };
}

type Row = Awaited<ReturnType<PrismaClient['qosApplication']['findFirst']>> & object;

function fromRow(row: Row): QosApplicationRecord {
  return { ...row, snapshot: row.snapshot as unknown as LiveState[], status: row.status as QosApplicationStatus };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Prisma-backed store (table qos_applications). */
export function createPrismaQosStore(prisma: PrismaClient): QosStore {
  return {
    async insert(record) {
      const row = await prisma.qosApplication.create({
        data: { ...record, id: randomUUID(), policy: record.policy as object, snapshot: record.snapshot as unknown as object },
      });
      return fromRow(row);
    },
    async update(id, patch) {
      await prisma.qosApplication.update({ where: { id }, data: patch });
    },
    async transition(id, from, patch) {
      return (await prisma.qosApplication.updateMany({ where: { id, status: { in: from } }, data: patch })).count === 1;
    },
    async find(key) {
      const row = await prisma.qosApplication.findFirst({
        where: UUID.test(key) ? { OR: [{ id: key }, { executionId: key }] } : { executionId: key },
      });
      return row ? fromRow(row) : null;
    },
    async listForInterface(name, limit) {
      const rows = await prisma.qosApplication.findMany({ where: { interface: name }, orderBy: { createdAt: 'desc' }, take: limit });
      return rows.map(fromRow);
    },
    async listPending() {
      return (await prisma.qosApplication.findMany({ where: { status: 'pending_confirmation' }, orderBy: { createdAt: 'asc' } })).map(
        fromRow,
      );
    },
  };
}
