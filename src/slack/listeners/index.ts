// Every listener, registered by kind.
import type { App } from '@slack/bolt';
import { type AgentCommandDeps, registerCommands } from './commands/index.js';

export type ListenerDeps = AgentCommandDeps;

export function registerListeners(app: App, deps: ListenerDeps): void {
  registerCommands(app, deps);
}
