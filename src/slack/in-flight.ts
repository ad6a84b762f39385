// Work a listener does after acknowledging Slack (starting a run once `/agent` is acknowledged, answering on the
// response_url) must finish before the process lets go of Temporal: a rolling restart must not drop a request
// that a person was already told is on its way.
import type { AnyMiddlewareArgs, App, Middleware } from '@slack/bolt';

export interface InFlight {
  /** How many requests are being handled now. */
  readonly size: number;
  /** Resolves when every request being handled has finished, or after `timeoutMs`; false if some had not. */
  drain(timeoutMs: number): Promise<boolean>;
}

/** Tracks every request the app handles, from its first middleware to the end of its listener. */
export function trackInFlight(app: App): InFlight {
  const pending = new Set<Promise<void>>();
  const track: Middleware<AnyMiddlewareArgs> = async ({ next }) => {
    const handling = next();
    pending.add(handling);
    try {
      await handling;
    } finally {
      pending.delete(handling);
    }
  };
  app.use(track);
  return {
    get size() {
      return pending.size;
    },
    async drain(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      const settled = Promise.allSettled([...pending]).then(() => true as const);
      try {
        return await Promise.race([settled, timedOut]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
