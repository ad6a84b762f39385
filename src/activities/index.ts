// Every activity the worker offers, built from configuration and the clients they use.
import type { WebClient } from '@slack/web-api';
import type OpenAI from 'openai';
import type { Config } from '../config.js';
import { TOOLS } from '../tools/index.js';
import type { Tool } from '../tools/tool.js';
import { createLlmActivities, createModelSteps, type LlmDeps } from './llm.js';
import { createRunActivities } from './run.js';
import { createSessionActivities } from './session.js';
import { createSlackActivities } from './slack.js';
import { createToolActivities } from './tools.js';

export function createActivities(deps: {
  config: Config;
  slack: WebClient;
  openai: OpenAI;
  tools?: readonly Tool[];
}) {
  const { config, slack, openai } = deps;
  const tools = deps.tools ?? TOOLS;
  const webhookAllowlist = config.tools.webhookAllowlist;
  const run = createRunActivities({ config, slack });
  const slackActivities = createSlackActivities({ slack });
  const llm: LlmDeps = {
    openai,
    model: config.openai.model,
    api: config.openai.api,
    tools,
    webhookAllowlist,
    toolRisks: config.approval.policy.toolRisks ?? {},
    policy: config.approval.policy,
    reads: { findStandingGrant: run.findStandingGrant, prepareApproval: slackActivities.prepareApproval },
    postRunReply: slackActivities.postRunReply,
  };
  // One model step for the model's activities and for a call's activity that goes on to it.
  const steps = createModelSteps(llm);
  return {
    ...run,
    ...createLlmActivities(llm, steps),
    ...slackActivities,
    ...createSessionActivities({ slack }),
    ...createToolActivities({ slack, webhookAllowlist, tools, nextStep: steps.nextStep }),
  };
}
