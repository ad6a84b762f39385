// The approval rules in force, read from the worker's configuration once per run.
import type { Config } from '../config.js';
import type { RunPolicy } from '../workflows/agent-types.js';

export function createRunActivities(config: Config) {
  return {
    async runPolicy(): Promise<RunPolicy> {
      return {
        threshold: config.approval.threshold,
        timeoutMs: config.approval.timeoutMs,
        allowSelfApproval: config.approval.allowSelfApproval,
        approvalsChannel: config.approval.channel,
      };
    },
  };
}
