// `npm run build`: pre-bundles the workflows so a production worker starts without webpack.
import { rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { WORKFLOW_TRACING_MODULE } from '../tracing.js';
import { TRACED_WORKFLOW_BUNDLE_URL, WORKFLOW_BUNDLE_URL, workflowsPath } from './worker.js';

// `npm start` builds with `--silent`: a person starting the app wants to see it start, not webpack's statistics.
// `npm run build` still prints them.
const quiet = process.env.npm_config_loglevel === 'silent';

// The workflows as they are, and with the tracing interceptor for a worker with traces on (see worker.ts).
for (const [url, workflowInterceptorModules] of [
  [WORKFLOW_BUNDLE_URL, []],
  [TRACED_WORKFLOW_BUNDLE_URL, [WORKFLOW_TRACING_MODULE]],
] as const) {
  const { code } = await bundleWorkflowCode({
    workflowsPath: workflowsPath(),
    workflowInterceptorModules: [...workflowInterceptorModules],
    ...(quiet ? { logger: new DefaultLogger('WARN') } : {}),
  });
  const target = fileURLToPath(url);
  // Written whole, then moved into place: a worker starting meanwhile reads the old bundle or the new, never half of one.
  await writeFile(`${target}.partial`, code);
  await rename(`${target}.partial`, target);
  if (!quiet) console.log(`workflow bundle written to ${target} (${Math.round(code.length / 1024)} KiB)`);
}
