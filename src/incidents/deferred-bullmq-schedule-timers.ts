/**
 * The BullMQ schedule timers, imported on first use (start, or a schedule change) rather than
 * when the module graph loads: bullmq and ioredis are ~200 files and a few hundred ms of
 * start-up (issue 17), and nodes without REDIS_URL never import them. Same behaviour as
 * BullMqScheduleTimers once loaded.
 */
import type { Logger } from '../logger.js';
import type { BullMqTimerOptions } from './schedule-bullmq-timers.js';
import type { ScheduleHandler, ScheduleTimers } from './schedule-timers.js';

/** BullMqScheduleTimers created on first use. */
export class DeferredBullMqScheduleTimers implements ScheduleTimers {
  readonly kind = 'bullmq' as const;
  private loaded: Promise<ScheduleTimers> | undefined;

  constructor(
    private readonly options: BullMqTimerOptions,
    private readonly logger: Logger,
  ) {}

  private timers(): Promise<ScheduleTimers> {
    this.loaded ??= import('./schedule-bullmq-timers.js').then(
      ({ BullMqScheduleTimers }) => new BullMqScheduleTimers(this.options, this.logger),
    );
    return this.loaded;
  }

  async start(handler: ScheduleHandler): Promise<void> {
    await (await this.timers()).start(handler);
  }

  async upsert(scheduleId: string, everyMs: number): Promise<void> {
    await (await this.timers()).upsert(scheduleId, everyMs);
  }

  async remove(scheduleId: string): Promise<void> {
    await (await this.timers()).remove(scheduleId);
  }

  async list(): Promise<Map<string, number>> {
    return (await this.timers()).list();
  }

  async close(): Promise<void> {
    // Never used: nothing was connected.
    if (this.loaded) await (await this.loaded).close();
  }
}
