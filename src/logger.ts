// Structured JSON log lines on stdout, one per event, with a level threshold. Secrets never go in, at any level.
import type { Config } from './config.js';

export type LogLevel = Config['logLevel'];
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

// Credentials and Slack response_urls (a response_url lets whoever holds it post as the app for 30 minutes).
const SECRET_NAME = String.raw`[\w-]*(?:token|secret|password|authorization|api[-_]?key|signature|response_url)[\w-]*`;
/** Keys whose values are credentials; redacted wherever they appear in a log line's fields. */
const SECRET_KEY = new RegExp(SECRET_NAME, 'i');
const REDACTED = '[redacted]';

/**
 * Secrets inside text — Bolt's and the Slack SDK's debug lines print whole payloads and request bodies, so a
 * credential reaches a log as part of a message as often as in a field of its own.
 */
const SECRET_TEXT: [RegExp, string][] = [
  // Slack tokens: bot, user, refresh, configuration (xoxb-, xoxp-, xoxe.xoxp-, …) and app-level tokens.
  [/\bxox[a-z](?:\.xox[a-z])?-[\w-]+/gi, REDACTED],
  [/\bxapp-[\w-]+/gi, REDACTED],
  // OpenAI keys: sk-…, sk-proj-…, sk-svcacct-….
  [/\bsk-[\w-]{6,}/g, REDACTED],
  [/\b(Bearer|Basic)\s+[\w.~+/=-]+/gi, `$1 ${REDACTED}`],
  // "token": "…" and "response_url": "…" in JSON text (a slash command's payload carries a legacy token).
  [new RegExp(String.raw`("${SECRET_NAME}"\s*:\s*)"(?:[^"\\]|\\.)*"`, 'gi'), `$1"${REDACTED}"`],
  // token=… and response_url=… in a form body or a query string.
  [new RegExp(String.raw`(^|[?&\s])(${SECRET_NAME})=[^&\s"']*`, 'gi'), `$1$2=${REDACTED}`],
  // Slack's response_urls and incoming webhooks wherever they sit: plain, JSON-escaped or percent-encoded.
  [/https?(?::|%3A)(?:\/|\\\/|%2F){2}hooks\.slack(?:-gov)?\.com(?:\/|\\\/|%2F)[^\s"'<>&]*/gi, REDACTED],
];

/** Shorter values would blot out ordinary words of a log line; real credentials are far longer. */
const KNOWN_SECRET_MIN_LENGTH = 8;
const knownSecrets = new Set<string>();

/**
 * Credentials known by value (the configured tokens, signing secret and API keys): redacted from every log line of
 * this process however they got there, including the ones whose form no pattern recognises.
 */
export function redactEverywhere(secrets: Iterable<string | undefined>): void {
  for (const secret of secrets) {
    if (secret && secret.length >= KNOWN_SECRET_MIN_LENGTH) knownSecrets.add(secret);
  }
}

/** Text with every credential and response_url it carries replaced by [redacted]. */
export function redactText(text: string): string {
  let out = text;
  for (const secret of knownSecrets) out = out.split(secret).join(REDACTED);
  for (const [pattern, replacement] of SECRET_TEXT) out = out.replace(pattern, replacement);
  return out;
}

/** Nesting followed key by key; anything deeper is logged as scrubbed JSON text rather than as is. */
const REDACT_DEPTH_MAX = 6;

function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: redactText(value.message) };
  if (depth > REDACT_DEPTH_MAX) return redactText(JSON.stringify(value) ?? '');
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      SECRET_KEY.test(key) ? REDACTED : redact(inner, depth + 1),
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
        msg: redactText(message),
        ...(redact(base) as object),
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
