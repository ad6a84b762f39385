// A trivial workflow for the harness smoke test: one activity, one result.
import { proxyActivities } from '@temporalio/workflow';
import type * as activities from './activities.js';

const { describeRequest } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });

export async function echoRequest(text: string, userId: string): Promise<string> {
  return describeRequest(text, userId);
}
