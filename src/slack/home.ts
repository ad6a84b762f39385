// Publishing a person's App Home: their inbox as it stands now. On each open, and after each of their decisions and
// withdrawals, so what they look at follows what they did.
import type { WebClient } from '@slack/web-api';
import type { Client } from '@temporalio/client';
import type { Person } from '../approval/schemas.js';
import { homeView, pendingMessage } from './blocks/home.js';
import { readInbox } from './inbox.js';
import type { StandingCheck } from './reviewer-standing.js';

export interface HomeDeps {
  temporal: Client;
  standing: StandingCheck;
}

export async function publishHome(deps: HomeDeps, client: WebClient, person: Person): Promise<void> {
  const standing = await deps.standing(client, person.id);
  const inbox = await readInbox(deps.temporal, person, standing);
  await client.views.publish({ user_id: person.id, view: homeView(inbox, new Date().toISOString()) });
}

/** `/agent pending`: the same list as an ephemeral message. */
export async function pendingFor(deps: HomeDeps, client: WebClient, person: Person) {
  const standing = await deps.standing(client, person.id);
  return pendingMessage(await readInbox(deps.temporal, person, standing));
}
