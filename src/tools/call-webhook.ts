import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { z } from 'zod';
import { defineTool, OutcomeUnknownError, ToolError } from './tool.js';

/** How long the company's endpoint gets, from connecting to the end of its answer. */
const WEBHOOK_TIMEOUT_MS = 10_000;
/** What of the endpoint's answer goes back to the model. */
const RESPONSE_EXCERPT_MAX = 2000;
/** Read no more of an answer than this: the excerpt is all that is kept. */
const RESPONSE_READ_MAX_BYTES = 64 * 1024;

// Entries often carry secrets in their paths: no message, summary or log line names them or echoes the URL.
export const NOT_ON_ALLOWLIST = 'the URL asked for is not on the webhook allowlist';

/** Printable ASCII only: no spaces, controls, backslashes folded into `/`, or look-alike characters. */
const PRINTABLE_ASCII = /^[\x21-\x5b\x5d-\x7e]*$/;
/** Encodings a server may decode into `/`, `\`, `.`, a control, or a second round of decoding. */
const AMBIGUOUS_ENCODING = /%(?:2f|5c|2e|25|[01][0-9a-f]|7f)/i;

/**
 * The URL as the request will be sent, or undefined when a server could read its path differently from us:
 * http(s) only, no user or password, no ambiguous encodings, no empty segments, no `;` path parameters
 * (which some servers strip before resolving dot segments: `/hook/..;/admin`).
 */
function unambiguousUrl(text: string): URL | undefined {
  if (!PRINTABLE_ASCII.test(text)) return undefined;
  // The query and fragment are never compared, so only the path's encodings matter.
  const [beforeQuery = ''] = text.split(/[?#]/, 1);
  if (AMBIGUOUS_ENCODING.test(beforeQuery)) return undefined;
  const url = URL.parse(text);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  if (url.pathname.includes('//') || url.pathname.includes(';')) return undefined;
  return url;
}

/** An entry's prefix URL; a query or fragment in a prefix would be ignored, so such an entry is refused. */
function allowlistEntry(text: string): URL | undefined {
  const entry = unambiguousUrl(text);
  return entry?.search === '' && entry.hash === '' ? entry : undefined;
}

/**
 * A URL is allowed when it has an allowlisted entry's origin and its path, after the URL parser has resolved
 * dot segments, is the entry's path or lies under it — whole segments only, so `/countersign` does not let
 * `/countersign-admin` through. An entry that would itself be refused, or has a query or fragment, matches
 * nothing.
 */
export function isAllowedUrl(url: string, allowlist: readonly string[]): boolean {
  const target = unambiguousUrl(url);
  if (!target) return false;
  return allowlist.some((entry) => {
    const allowed = allowlistEntry(entry);
    if (!allowed || target.origin !== allowed.origin) return false;
    const base = allowed.pathname.endsWith('/') ? allowed.pathname : `${allowed.pathname}/`;
    return target.pathname === allowed.pathname || target.pathname.startsWith(base);
  });
}

export interface WebhookAnswer {
  status: number;
  /** The start of the answer's body, as text. */
  body: string;
}

/**
 * POSTs once, following no redirect. Rejects with a plain Error when nothing was sent (refused, unresolvable,
 * TLS failed: safe to try again), and with OutcomeUnknownError when the connection was made and no answer came.
 */
export function postWebhook(
  url: URL,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number = WEBHOOK_TIMEOUT_MS,
): Promise<WebhookAnswer> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let connected = false;
    let answer: WebhookAnswer | undefined;
    const chunks: Buffer[] = [];
    let read = 0;
    const settle = () => {
      clearTimeout(timer);
      if (answer) answer.body = Buffer.concat(chunks).toString('utf8').slice(0, RESPONSE_EXCERPT_MAX);
    };
    const fail = (error: Error & { code?: string }) => {
      settle();
      // With a status in hand the outcome is known, even if the rest of the body never came.
      if (answer) return resolve(answer);
      if (!connected) {
        return reject(
          new Error(`could not reach the webhook (${error.code ?? error.message}); nothing was sent`),
        );
      }
      reject(
        new OutcomeUnknownError(
          `the webhook call was sent but no answer came (${error.code ?? error.message}): it may have run`,
        ),
      );
    };
    // A fresh connection per call, so "connected" means this request's bytes may have gone out.
    const req = send(url, { method: 'POST', headers, agent: false }, (res: IncomingMessage) => {
      answer = { status: res.statusCode ?? 0, body: '' };
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        chunks.push(chunk);
        if (read >= RESPONSE_READ_MAX_BYTES) res.destroy();
      });
      res.on('end', () => {
        settle();
        resolve(answer as WebhookAnswer);
      });
      res.on('close', () => fail(new Error('answer cut short')));
      res.on('error', fail);
    });
    const timer = setTimeout(() => {
      const timeout = Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'timeout' });
      req.destroy(timeout);
      fail(timeout);
    }, timeoutMs);
    req.on('socket', (socket) => {
      if (!socket.connecting) connected = true;
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
        connected = true;
      });
    });
    req.on('error', fail);
    req.end(body);
  });
}

export const callWebhook = defineTool({
  name: 'call_webhook',
  description:
    "POST a JSON payload to one of the company's own endpoints (only URLs on the configured allowlist).",
  parameters: z.object({
    url: z.url().describe('The endpoint; must be on the allowlist'),
    payload: z.record(z.string(), z.unknown()).describe('The JSON body to send'),
  }),
  risk: 'high',
  repeat: { kind: 'idempotency_key' },
  // Its payload leaves the company's Slack, and its answer is whatever the endpoint says.
  outside: { reads: true, sends: true },
  refuse: ({ url }, { webhookAllowlist }) =>
    isAllowedUrl(url, webhookAllowlist) ? undefined : NOT_ON_ALLOWLIST,
  async execute({ url, payload }, { webhookAllowlist, callKey }) {
    const target = unambiguousUrl(url);
    if (!target || !isAllowedUrl(url, webhookAllowlist)) throw new ToolError(NOT_ON_ALLOWLIST);
    const { status, body } = await postWebhook(target, JSON.stringify(payload), {
      'content-type': 'application/json',
      'user-agent': 'countersign',
      // The same on every attempt of this call, so the endpoint can drop a repeat.
      'idempotency-key': callKey,
    });
    if (status >= 500) {
      throw new OutcomeUnknownError(
        `the webhook answered HTTP ${status} after receiving the call: it may have run`,
      );
    }
    if (status >= 300 && status < 400) {
      throw new ToolError(
        `the webhook answered HTTP ${status} (a redirect); redirects are not followed, so nothing was sent where it points`,
      );
    }
    if (status < 200 || status >= 300) throw new ToolError(`the webhook answered HTTP ${status}: ${body}`);
    return { summary: `Called the webhook: HTTP ${status}.`, data: { status, body } };
  },
});
