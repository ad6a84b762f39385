// "Connect an agent" in App Home: the form that names an MCP client, the one view that shows its token (once), and the
// connected clients listed with Revoke. The client's name is its owner's text: escaped wherever it is shown.
import type { KnownBlock, View } from '@slack/types';
import type { AgentToken } from '../../approval/schemas.js';
import { confirmedButton, safeText, slackDate } from './text.js';

export const CONNECT_AGENT_ACTION_ID = 'agent_connect';
export const AGENT_TOKEN_REVOKE_ACTION_ID = 'agent_token_revoke';
export const CONNECT_AGENT_CALLBACK_ID = 'agent_connect_form';
export const CLIENT_BLOCK_ID = 'client';
export const CLIENT_ACTION_ID = 'client_name';
/** A client's name: enough for "Cursor on rita's work laptop (repo countersign)", short enough for a card's line. */
export const CLIENT_NAME_MAX = 80;

export function connectAgentModal(): View {
  return {
    type: 'modal',
    callback_id: CONNECT_AGENT_CALLBACK_ID,
    title: { type: 'plain_text', text: 'Connect an agent' },
    submit: { type: 'plain_text', text: 'Create token' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: 'An MCP client (an IDE’s agent, a desktop assistant, a CI job) can use Countersign’s tools as you: its calls meet the same approvals as yours, and its risky calls wait for an approver in Slack, with its name on the card.',
        },
      },
      {
        type: 'input',
        block_id: CLIENT_BLOCK_ID,
        label: { type: 'plain_text', text: 'What will use it' },
        hint: { type: 'plain_text', text: 'Shown on every card it asks for, e.g. “Cursor on my laptop”.' },
        element: {
          type: 'plain_text_input',
          action_id: CLIENT_ACTION_ID,
          max_length: CLIENT_NAME_MAX,
          placeholder: { type: 'plain_text', text: 'Cursor on my laptop' },
        },
      },
    ],
  };
}

/** The token, shown this once: Countersign keeps only its hash. */
export function tokenShownModal(token: string, client: string): View {
  const snippet = JSON.stringify(
    {
      mcpServers: {
        countersign: {
          type: 'http',
          url: 'https://<your Countersign gateway>/mcp',
          headers: { Authorization: `Bearer ${token}` },
        },
      },
    },
    null,
    2,
  );
  return {
    type: 'modal',
    title: { type: 'plain_text', text: 'Agent connected' },
    close: { type: 'plain_text', text: 'Done' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `The token for *${safeText(client, CLIENT_NAME_MAX)}*. Copy it now: it is shown only this once, and Countersign keeps no copy it could show again. Anyone holding it asks as you; revoke it in your Home if it leaks.`,
        },
      },
      { type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${token}\`\`\`` } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `In the client’s MCP configuration:\n\`\`\`${snippet}\`\`\`` },
      },
    ],
  };
}

/** The connected clients a person has, each with Revoke. */
export function agentTokenBlocks(tokens: readonly AgentToken[]): KnownBlock[] {
  const connect: KnownBlock = {
    type: 'actions',
    block_id: 'agents_connect',
    elements: [
      {
        type: 'button',
        action_id: CONNECT_AGENT_ACTION_ID,
        text: { type: 'plain_text', text: 'Connect an agent' },
        value: 'connect',
      },
    ],
  };
  const listed = tokens.map(
    (token): KnownBlock => ({
      type: 'section',
      block_id: `agent_${token.token_id}`,
      text: {
        type: 'mrkdwn',
        text: `*${safeText(token.client, CLIENT_NAME_MAX)}* · connected ${slackDate(token.created_at)} · token \`${token.token_id}…\``,
      },
      accessory: confirmedButton({
        actionId: AGENT_TOKEN_REVOKE_ACTION_ID,
        text: 'Revoke',
        value: token.token_id,
        question: 'Revoke this agent’s token?',
        consequence: 'Its next request is refused. Calls it already made go on.',
      }),
    }),
  );
  return [...listed, connect];
}
