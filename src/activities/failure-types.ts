// The types of the failures activities and workflows raise, named once: the workflows match on them (for example to
// not retry what cannot succeed), so a typo on either side would silently change behaviour. No imports: the workflow
// bundle loads this file.
export const MODEL_REQUEST_REJECTED = 'ModelRequestRejected';
export const MODEL_RATE_LIMITED = 'ModelRateLimited';
export const SLACK_REFUSED = 'SlackRefused';
export const SLACK_RATE_LIMITED = 'SlackRateLimited';
export const INVALID_APPROVAL_PLAN = 'InvalidApprovalPlan';
