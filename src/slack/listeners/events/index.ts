// Events API: App Home opened (the person's inbox), messages to the agent (a mention, the Messages tab), and the stop
// button of an agent session.
import type { App } from '@slack/bolt';
import { type HomeDeps, publishHome, sawHome } from '../../home.js';
import type { AgentCommandDeps } from '../commands/agent.js';
import { mention } from './mention.js';
import { messagesTab } from './messages-tab.js';
import { sessionStopped } from './session-stopped.js';

export function registerEvents(app: App, deps: HomeDeps & AgentCommandDeps): void {
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
  app.event('app_mention', mention(deps));
  app.event('message', messagesTab(deps));
  app.event('agent_session_stopped', sessionStopped(deps));
}
