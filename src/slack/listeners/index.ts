// Every listener, registered by kind.
import type { App } from '@slack/bolt';
import type { Client } from '@temporalio/client';
import { createSealer } from '../seal.js';
import { registerActions } from './actions/index.js';
import { registerCommands } from './commands/index.js';
import { registerViews } from './views/index.js';

export interface ListenerDeps {
  temporal: Client;
  taskQueue: string;
  /** Seals modal metadata; any secret only this app knows (the bot token will do). */
  sealingSecret: string;
}

export function registerListeners(app: App, deps: ListenerDeps): void {
  const sealer = createSealer(deps.sealingSecret);
  registerCommands(app, deps);
  registerActions(app, { temporal: deps.temporal, sealer });
  registerViews(app, { temporal: deps.temporal, sealer });
}
