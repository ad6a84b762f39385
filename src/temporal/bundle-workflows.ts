// `npm run build`: pre-bundles the workflows so a production worker starts without webpack.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_BUNDLE_URL, workflowsPath } from './worker.js';

const { code } = await bundleWorkflowCode({ workflowsPath: workflowsPath() });
const target = fileURLToPath(WORKFLOW_BUNDLE_URL);
await writeFile(target, code);
console.log(`workflow bundle written to ${target} (${Math.round(code.length / 1024)} KiB)`);
