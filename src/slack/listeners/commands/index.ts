import type { App } from '@slack/bolt';
import { type AgentCommandDeps, agentCommand } from './agent.js';

export type { AgentCommandDeps };

export function registerCommands(app: App, deps: AgentCommandDeps): void {
  app.command('/agent', agentCommand(deps));
}
