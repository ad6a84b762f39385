// Every workflow the worker runs; the worker bundles this file.
export { agentWorkflow } from './agent.js';
export { approvalWorkflow } from './approval.js';
export { standingGrantWorkflow } from './grant.js';
