// Countersign's own Prometheus metrics (prom-client), one registry per process. Labels stay few and bounded:
// outcomes, Slack method names and error codes, tool names from configuration — never user text, ids or tokens.
// Served with the Temporal SDK's worker metrics at METRICS_PORT (src/process/metrics-server.ts).
import { WebClient, WebClientEvent } from '@slack/web-api';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

/** Where the pending-approvals gauge reads from at scrape time; set by a process that has a Temporal client. */
let countPending: (() => Promise<number>) | undefined;

export const pendingApprovals = new Gauge({
  name: 'countersign_pending_approvals',
  help: 'Requests waiting for a decision now (the calls of one model turn asked together count once), across the whole namespace (every process reports the same number: use max()).',
  registers: [registry],
  async collect() {
    if (!countPending) return;
    try {
      this.set(await countPending());
    } catch {
      pendingApprovalsReadFailures.inc();
    }
  },
});

export const pendingApprovalsReadFailures = new Counter({
  name: 'countersign_pending_approvals_read_failures_total',
  help: 'Scrapes that could not read the pending approvals from Temporal in time (the gauge keeps its last value).',
  registers: [registry],
});

export function countPendingApprovalsWith(count: () => Promise<number>): void {
  countPending = count;
}

export const decisions = new Counter({
  name: 'countersign_decisions_total',
  help: 'Approvals that ended, by outcome: approved, rejected, timed_out or cancelled.',
  labelNames: ['outcome'],
  registers: [registry],
});

/** People take seconds to days: buckets from 10 s to a week. */
const DECISION_BUCKETS_SECONDS = [
  10,
  30,
  60,
  300,
  900,
  1800,
  3600,
  4 * 3600,
  12 * 3600,
  86_400,
  3 * 86_400,
  7 * 86_400,
];

export const timeToDecision = new Histogram({
  name: 'countersign_time_to_decision_seconds',
  help: 'From the request for approval to its end (decision, timeout or withdrawal).',
  labelNames: ['outcome'],
  buckets: DECISION_BUCKETS_SECONDS,
  registers: [registry],
});

export const slackApiErrors = new Counter({
  name: 'countersign_slack_api_errors_total',
  help: 'Slack Web API calls that failed, by method and Slack error code (http_<status>, request_failed…), and every rate-limited answer (error="ratelimited"), waited out or not.',
  labelNames: ['method', 'error'],
  registers: [registry],
});

export const modelCallSeconds = new Histogram({
  name: 'countersign_model_call_seconds',
  help: 'Model calls, from request to answer, successful or not.',
  labelNames: ['api'],
  buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40, 60, 120],
  registers: [registry],
});

export const modelCallFailures = new Counter({
  name: 'countersign_model_call_failures_total',
  help: 'Model calls that failed, by reason: rate_limited, rejected (4xx), server_error (5xx), unreachable, bad_answer.',
  labelNames: ['api', 'reason'],
  registers: [registry],
});

export const toolRuns = new Counter({
  name: 'countersign_tool_runs_total',
  help: 'Tool runs by tool and outcome: ok, error (the tool said no), unknown (may have run), failed (retried or given up).',
  labelNames: ['tool', 'outcome'],
  registers: [registry],
});

/** An approval that ended, as the approval workflow reports it through its sink (src/workflows/sinks.ts). */
export function observeApprovalEnded(outcome: string, waitedMs: number): void {
  decisions.inc({ outcome });
  timeToDecision.observe({ outcome }, waitedMs / 1000);
}

/** The Slack error code of a failed Web API call, from @slack/web-api's error shapes. */
export function slackErrorCode(error: unknown): string {
  const e = error as { code?: string; data?: { error?: unknown }; statusCode?: number };
  if (e.code === 'slack_webapi_platform_error' && typeof e.data?.error === 'string') return e.data.error;
  if (e.code === 'slack_webapi_rate_limited_error') return 'ratelimited';
  if (e.code === 'slack_webapi_http_error' && e.statusCode) return `http_${e.statusCode}`;
  if (e.code === 'slack_webapi_request_error') return 'request_failed';
  return 'other';
}

let countingSlackErrors = false;
/** Clients already heard for rate limits: each is listened to once, whoever built it. */
const heardForRateLimits = new WeakSet<WebClient>();

/** A Web API method from the URL a client calls (`…/api/chat.postMessage`). */
export function slackMethodOf(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1) || 'unknown';
}

/**
 * Counts every failed Slack Web API call in this process: ours and Bolt's, which builds its own clients. The Web API
 * client offers no hook for failed calls, and binds each method to `apiCall` when a client is built, so the count
 * wraps the prototype's `apiCall` once, before any client exists (call it at process start). Rate limits are counted
 * from the client's own event, as Slack answers them: Bolt's client waits them out and retries, so they never fail.
 */
export function countSlackApiErrors(): void {
  if (countingSlackErrors) return;
  countingSlackErrors = true;
  const apiCall = WebClient.prototype.apiCall;
  WebClient.prototype.apiCall = async function countedApiCall(this: WebClient, method, options) {
    if (!heardForRateLimits.has(this)) {
      heardForRateLimits.add(this);
      this.on(WebClientEvent.RATE_LIMITED, (_retryAfterSeconds: number, request: { url: string }) =>
        slackApiErrors.inc({ method: slackMethodOf(request.url), error: 'ratelimited' }),
      );
    }
    try {
      return await apiCall.call(this, method, options);
    } catch (error) {
      const code = slackErrorCode(error);
      // Already counted when Slack answered 429 (a client that rejects rate-limited calls throws it too).
      if (code !== 'ratelimited') slackApiErrors.inc({ method, error: code });
      throw error;
    }
  };
}
