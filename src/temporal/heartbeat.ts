// Activities that can run long tell Temporal they are alive, so that one held by a worker that dies is tried again on
// another worker within its heartbeat timeout, not after its whole start-to-close timeout (two minutes for a model
// call). Quick activities never send a heartbeat: each is a write on the server.
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/** Heartbeats per heartbeat timeout: the first comes a third of the way in, well inside the timeout. */
const BEATS_PER_TIMEOUT = 3;

/** For every activity scheduled with a heartbeat timeout, a heartbeat every third of it while it runs. */
export const heartbeatWhileRunning: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    async execute(input, next) {
      const timeoutMs = ctx.info.heartbeatTimeoutMs;
      if (!timeoutMs) return next(input);
      const beat = setInterval(() => ctx.heartbeat(), timeoutMs / BEATS_PER_TIMEOUT);
      try {
        return await next(input);
      } finally {
        clearInterval(beat);
      }
    },
  },
});
