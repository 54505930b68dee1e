/**
 * The one way Vigie registers Prometheus metrics: get-or-create on the process's Registry,
 * typed by kind and labels. Two components that declare the same metric on one registry
 * share it (the REST route and the chat tool count into one series) instead of throwing
 * "already registered"; a name taken by another kind of metric is a programming error.
 * Without a registry the metric is private to its owner (unit tests, tools run alone).
 */
import {
  Counter,
  Gauge,
  Histogram,
  Summary,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
  type Metric,
  type Registry,
  type SummaryConfiguration,
} from 'prom-client';

type Spec<C> = Omit<C, 'registers'>;

/** Get-or-create for a metric class of its own (a Gauge subclass with extra state): `create` receives `registers`. */
export function getOrCreate<T extends Metric>(
  registry: Registry | undefined,
  name: string,
  kind: abstract new (...args: never[]) => T,
  create: (registers: Registry[]) => T,
): T {
  const existing = registry?.getSingleMetric(name);
  if (existing) {
    if (!(existing instanceof kind)) throw new Error(`Metric ${name} is already registered as another kind of metric`);
    return existing;
  }
  return create(registry ? [registry] : []);
}

/** A counter named `spec.name` on `registry` (created on first use). */
export function counter<L extends string = string>(registry: Registry | undefined, spec: Spec<CounterConfiguration<L>>): Counter<L> {
  return getOrCreate(registry, spec.name, Counter<L>, (registers) => new Counter<L>({ ...spec, registers }));
}

/** A gauge named `spec.name` on `registry` (created on first use; a `collect` callback is the first caller's). */
export function gauge<L extends string = string>(registry: Registry | undefined, spec: Spec<GaugeConfiguration<L>>): Gauge<L> {
  return getOrCreate(registry, spec.name, Gauge<L>, (registers) => new Gauge<L>({ ...spec, registers }));
}

/** A histogram named `spec.name` on `registry` (created on first use). */
export function histogram<L extends string = string>(registry: Registry | undefined, spec: Spec<HistogramConfiguration<L>>): Histogram<L> {
  return getOrCreate(registry, spec.name, Histogram<L>, (registers) => new Histogram<L>({ ...spec, registers }));
}

/** A summary named `spec.name` on `registry` (created on first use). */
export function summary<L extends string = string>(registry: Registry | undefined, spec: Spec<SummaryConfiguration<L>>): Summary<L> {
  return getOrCreate(registry, spec.name, Summary<L>, (registers) => new Summary<L>({ ...spec, registers }));
}
