// The workspace the bot token belongs to (auth.test): decisions are accepted only from its full members. It never
// changes while a process runs, so it is asked once per client; a failed answer is forgotten and asked again.
import type { WebClient } from '@slack/web-api';

const teams = new WeakMap<WebClient, Promise<string>>();

export function installedTeam(client: WebClient): Promise<string> {
  let team = teams.get(client);
  if (!team) {
    team = client.auth.test().then((answer) => {
      if (!answer.team_id) throw new Error('Slack auth.test answered without a team_id');
      return answer.team_id;
    });
    team.catch(() => teams.delete(client));
    teams.set(client, team);
  }
  return team;
}
