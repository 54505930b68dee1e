/**
 * Prometheus metrics of the realtime gateway, registered on the app's registry so /metrics
 * shows sockets next to HTTP.
 */
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { counter, gauge, histogram } from '../../core/metrics.js';

/** The gateway's counters, gauges and histograms. */
export interface GatewayMetrics {
  connections: Gauge;
  connectionsTotal: Counter<'outcome'>;
  events: Counter<'event' | 'outcome'>;
  eventDuration: Histogram<'event'>;
  broadcasts: Counter<'event'>;
  adapterErrors: Counter<'operation'>;
}

/** Registers the gateway metrics (idempotent per registry: reuses existing ones). */
export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  return {
    connections: gauge(registry, { name: 'vigie_socket_connections', help: 'Open Socket.IO connections on this node' }),
    connectionsTotal: counter(registry, {
      name: 'vigie_socket_connections_total',
      help: 'Socket.IO handshakes by outcome (accepted, unauthorized)',
      labelNames: ['outcome'] as const,
    }),
    events: counter(registry, {
      name: 'vigie_socket_events_total',
      help: 'Client events by name and outcome (ok or the error code)',
      labelNames: ['event', 'outcome'] as const,
    }),
    eventDuration: histogram(registry, {
      name: 'vigie_socket_event_duration_seconds',
      help: 'Time from receiving a client event to its ack',
      labelNames: ['event'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    }),
    broadcasts: counter(registry, {
      name: 'vigie_socket_broadcasts_total',
      help: 'Server events emitted to rooms by this node',
      labelNames: ['event'] as const,
    }),
    adapterErrors: counter(registry, {
      name: 'vigie_socket_adapter_errors_total',
      help: 'Redis adapter operations that failed (cross-node delivery lost while Redis is away)',
      labelNames: ['operation'] as const,
    }),
  };
}
