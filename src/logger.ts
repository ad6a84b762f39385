// Structured JSON log lines on stdout, one per event, with a level threshold. Secrets never go in.
import type { Config } from './config.js';

export type LogLevel = Config['logLevel'];
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Keys whose values are credentials; redacted wherever they appear in a log line's fields. */
const SECRET_KEY = /token|secret|password|authorization|api[-_]?key|signature/i;

function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      SECRET_KEY.test(key) ? '[redacted]' : redact(inner, depth + 1),
    ]),
  );
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function createLogger(
  level: LogLevel,
  base: Record<string, unknown> = {},
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Logger {
  const emit = (at: LogLevel, message: string, fields: Record<string, unknown> = {}) => {
    if (RANK[at] < RANK[level]) return;
    write(
      JSON.stringify({
        time: new Date().toISOString(),
        level: at,
        msg: message,
        ...base,
        ...(redact(fields) as object),
      }),
    );
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

/** Bolt's logger interface on top of ours, so the Slack side logs the same JSON lines. */
export function boltLogger(logger: Logger, level: LogLevel) {
  const text = (parts: unknown[]) =>
    parts
      .map((p) => (typeof p === 'string' ? p : p instanceof Error ? p.message : JSON.stringify(p)))
      .join(' ');
  let current = level;
  return {
    debug: (...parts: unknown[]) => logger.debug(text(parts), { source: 'bolt' }),
    info: (...parts: unknown[]) => logger.info(text(parts), { source: 'bolt' }),
    warn: (...parts: unknown[]) => logger.warn(text(parts), { source: 'bolt' }),
    error: (...parts: unknown[]) => logger.error(text(parts), { source: 'bolt' }),
    // Bolt sets its own level and name; ours is fixed by LOG_LEVEL, which createLogger already applied.
    setLevel: (next: string) => {
      current = next as LogLevel;
    },
    getLevel: () => current as never,
    setName: () => {},
  };
}
