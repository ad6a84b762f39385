// `npm run build`: pre-bundles the workflows so a production worker starts without webpack.
import { rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { WORKFLOW_BUNDLE_URL, WORKFLOW_INTERCEPTOR_MODULES, workflowsPath } from './worker.js';

// `npm start` builds with `--silent`: a person starting the app wants to see it start, not webpack's statistics.
// `npm run build` still prints them.
const quiet = process.env.npm_config_loglevel === 'silent';

const { code } = await bundleWorkflowCode({
  workflowsPath: workflowsPath(),
  workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
  ...(quiet ? { logger: new DefaultLogger('WARN') } : {}),
});
const target = fileURLToPath(WORKFLOW_BUNDLE_URL);
// Written whole, then moved into place: a worker starting meanwhile reads the old bundle or the new, never half of one.
await writeFile(`${target}.partial`, code);
await rename(`${target}.partial`, target);
if (!quiet) console.log(`workflow bundle written to ${target} (${Math.round(code.length / 1024)} KiB)`);
