// Every workflow the worker runs; the worker bundles this file.
export { agentWorkflow } from './agent.js';
export { agentTokenWorkflow } from './agent-token.js';
export { approvalWorkflow } from './approval.js';
export { gatewayCallWorkflow } from './gateway-call.js';
export { standingGrantWorkflow } from './grant.js';
