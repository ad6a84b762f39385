// A tool call as a workflow is handed it (by the model's activity, checked against its tool, or by the MCP gateway),
// for tests that start the workflows themselves.
import { proposalDigest } from '../../src/approval/digest.js';
import type { Proposal, Risk } from '../../src/approval/schemas.js';

/** `tool` called with `args`, of `risk` by the model's and the tool's word alike; only a low-risk call is safe to repeat. */
export function checkedCall(
  tool: string,
  args: Record<string, unknown>,
  risk: Risk,
  callId = `call-${tool}`,
): Proposal {
  return {
    callId,
    tool,
    arguments: args,
    reasoning: `the request asks for ${tool}`,
    modelRisk: risk,
    toolRisk: risk,
    risk,
    repeat: risk === 'low' ? 'safe' : 'once',
    digest: proposalDigest({ tool, arguments: args }),
  };
}
