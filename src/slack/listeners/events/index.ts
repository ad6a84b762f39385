// Events API: App Home opened — the person's inbox, published for them.
import type { App } from '@slack/bolt';
import { type HomeDeps, publishHome, sawHome } from '../../home.js';

export function registerEvents(app: App, deps: HomeDeps): void {
  app.event('app_home_opened', async ({ event, client, logger }) => {
    // The Messages tab (run results sent directly) has nothing to publish.
    if (event.tab !== 'home') return;
    sawHome(deps, event.user);
    try {
      await publishHome(deps, client, { id: event.user });
    } catch (error) {
      logger.error('could not publish App Home', { user: event.user, error: (error as Error).message });
    }
  });
}
