// Temporal's own logs — and the workflows' audit events — as our JSON lines, at LOG_LEVEL.
import { DefaultLogger, Runtime, type LogLevel as TemporalLogLevel } from '@temporalio/worker';
import type { Logger, LogLevel } from '../logger.js';

const TEMPORAL_LEVEL: Record<LogLevel, TemporalLogLevel> = {
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
};

/** Call once per process, before any Temporal connection or worker is created. */
export function installTemporalRuntime(
  logger: Logger,
  level: LogLevel,
  /** Where the SDK's own Prometheus exporter serves the worker's metrics (src/process/metrics-server.ts reads it). */
  metricsAddress?: string,
): void {
  Runtime.install({
    // We own SIGINT/SIGTERM: the Slack app stops first, then the worker drains, then the embedded server.
    shutdownSignals: [],
    ...(metricsAddress
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress } } } }
      : {}),
    logger: new DefaultLogger(TEMPORAL_LEVEL[level], ({ level: at, message, meta }) => {
      const fields = { ...meta, source: 'temporal' };
      if (at === 'ERROR') logger.error(message, fields);
      else if (at === 'WARN') logger.warn(message, fields);
      else if (at === 'INFO') logger.info(message, fields);
      else logger.debug(message, fields);
    }),
  });
}
