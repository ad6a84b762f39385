// Traces of a request's whole life, with OpenTelemetry: off unless an OTLP endpoint is configured (config.tracing).
// What a span carries is chosen here and at each call site: ids, names, outcomes; never a token, a message's text or
// a tool's arguments.
import { createRequire } from 'node:module';
import {
  type Attributes,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { WebClient } from '@slack/web-api';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { TracingConfig } from './config.js';
import { slackErrorCode } from './metrics.js';

const TRACER_NAME = 'countersign';

/** The SDK's workflow interceptors, bundled with the workflows: they carry the trace from a start to its activities. */
export const WORKFLOW_TRACING_MODULE = createRequire(import.meta.url).resolve(
  '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors',
);

export interface Tracing {
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Sends what is still buffered; call on shutdown. */
  shutdown(): Promise<void>;
}

let installed: (Tracing & { toolArguments: boolean }) | undefined;

/** This process's tracer provider, once, before any Slack client is made; undefined when tracing is off (every span below is then a no-op). */
export function installTracing(config: TracingConfig | undefined): Tracing | undefined {
  if (!config || installed) return installed;
  const resource = new Resource({ 'service.name': config.serviceName });
  const exporterOptions = { url: config.url, headers: config.headers };
  const exporter =
    config.protocol === 'http/json'
      ? new OTLPJsonTraceExporter(exporterOptions)
      : new OTLPProtobufTraceExporter(exporterOptions);
  const spanProcessor = new BatchSpanProcessor(exporter);
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // The global provider, the AsyncLocalStorage context manager and W3C trace context propagation.
  provider.register();
  traceSlackApiCalls();
  installed = {
    spanProcessor,
    resource,
    shutdown: () => provider.shutdown(),
    toolArguments: config.toolArguments,
  };
  return installed;
}

export function tracingInstalled(): Tracing | undefined {
  return installed;
}

/** Whether a tool's span may carry the call's arguments: only when TRACE_TOOL_ARGUMENTS says so. */
export function tracingToolArguments(): boolean {
  return installed?.toolArguments === true;
}

/** The Temporal client's interceptors: a workflow start, Update or signal carries the caller's trace. */
export function tracingClientInterceptors() {
  return installed ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : {};
}

/** `fn` inside a span named `name`: its error recorded, the span ended however it ends. */
export function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return trace.getTracer(TRACER_NAME).startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException({ name: (error as Error).name, message: (error as Error).message });
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** A span for something whose start and end are already known (an approval's wait), in the active trace. */
export function recordSpan(name: string, start: Date, end: Date, attributes: Attributes): void {
  trace.getTracer(TRACER_NAME).startSpan(name, { startTime: start, attributes }).end(end);
}

/** The memo field a run carries its trace in, so that a decision made days later joins it. */
export const TRACE_PARENT_MEMO = 'traceparent';

/** The active trace as a `traceparent`, to be found again later (a run's memo); undefined when there is none. */
export function currentTraceParent(): string | undefined {
  if (!installed) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** `fn` inside the trace `traceparent` names (a run's), when there is one. */
export function withinTrace<T>(traceparent: string | undefined, fn: () => T): T {
  if (!traceparent) return fn();
  return context.with(propagation.extract(ROOT_CONTEXT, { traceparent }), fn);
}

/**
 * Each Slack Web API call as a span: its method and Slack's answer (ok, or the error code), nothing of what was sent.
 * Every method of every client goes through apiCall, bound when a client is made: so patched once, before any is
 * (as src/metrics.ts counts their errors).
 */
function traceSlackApiCalls(): void {
  const apiCall = WebClient.prototype.apiCall;
  WebClient.prototype.apiCall = function tracedApiCall(this: WebClient, method, options) {
    return inSpan(`slack ${method}`, { 'slack.method': method }, async (span) => {
      try {
        const result = await apiCall.call(this, method, options);
        span.setAttribute('slack.ok', result.ok);
        return result;
      } catch (error) {
        span.setAttribute('slack.error', slackErrorCode(error));
        throw error;
      }
    });
  };
}
