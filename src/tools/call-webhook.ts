import { z } from 'zod';
import { defineTool, ToolError } from './tool.js';

/** How long the company's endpoint gets before the call counts as failed (and is retried). */
const WEBHOOK_TIMEOUT_MS = 10_000;
/** What of the endpoint's answer goes back to the model. */
const RESPONSE_EXCERPT_MAX = 2000;

/**
 * A URL is allowed when it has an allowlisted entry's origin and its path is the entry's path or lies under
 * it — whole segments only, so `/countersign` does not let `/countersign-admin` through.
 */
export function isAllowedUrl(url: string, allowlist: string[]): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  return allowlist.some((entry) => {
    const allowed = new URL(entry);
    if (target.origin !== allowed.origin) return false;
    const base = allowed.pathname.endsWith('/') ? allowed.pathname : `${allowed.pathname}/`;
    return target.pathname === allowed.pathname || target.pathname.startsWith(base);
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
  refuse: ({ url }, { webhookAllowlist }) =>
    isAllowedUrl(url, webhookAllowlist)
      ? undefined
      : `${url} is not on the webhook allowlist (${webhookAllowlist.join(', ') || 'empty'})`,
  async execute({ url, payload }, { webhookAllowlist }) {
    if (!isAllowedUrl(url, webhookAllowlist)) throw new ToolError(`${url} is not on the webhook allowlist`);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'countersign' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    const body = (await response.text()).slice(0, RESPONSE_EXCERPT_MAX);
    // A 5xx is the endpoint's outage: throw so Temporal retries. A 4xx is an answer the model should see.
    if (response.status >= 500) throw new Error(`webhook ${url} answered HTTP ${response.status}`);
    if (!response.ok) throw new ToolError(`webhook ${url} answered HTTP ${response.status}: ${body}`);
    return { summary: `Called ${url}: HTTP ${response.status}.`, data: { status: response.status, body } };
  },
});
