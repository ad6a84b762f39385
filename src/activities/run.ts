// The approval rules in force, read from the worker's configuration once per run.
import type { ApprovalPolicy } from '../approval/schemas.js';
import type { Config } from '../config.js';

export function createRunActivities(config: Config) {
  return {
    async runPolicy(): Promise<ApprovalPolicy> {
      return config.approval.policy;
    },
  };
}
