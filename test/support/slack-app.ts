// The Slack app on real parts: Bolt's HTTP receiver with real signature checks, our listeners, a real
// Temporal client; with the engine (worker + fakes) from ./engine.ts.
import type { App } from '@slack/bolt';
import type { Client } from '@temporalio/client';
import { expect } from 'vitest';
import { parseConfig, requireSlackCredentials } from '../../src/config.js';
import type { Logger } from '../../src/logger.js';
import { createSlackApp, SLACK_EVENTS_PATH } from '../../src/slack/app.js';
import { registerListeners } from '../../src/slack/listeners/index.js';
import { type FakeOpenAIReply, message } from '../fakes/openai.js';
import type { FakeSlackApi, SlackCall } from '../fakes/slack-api.js';
import { SlackSender } from '../fakes/slack-sender.js';
import { type Engine, PEOPLE, scriptModel, waitForCard } from './engine.js';

export const SIGNING_SECRET = 'e2e-signing-secret';

export interface SlackAppHarness {
  app: App;
  baseUrl: string;
  sender: SlackSender;
  close(): Promise<void>;
}

/**
 * `temporal` replaces the engine's client, e.g. with one that cannot reach any server; `env` adds the Slack app's own
 * variables (REQUESTERS); `audit` receives the app's audit lines (decisions the workflows refused without recording
 * them).
 */
export async function startSlackApp(
  engine: Engine,
  temporal: Client = engine.client,
  env: Record<string, string> = {},
  audit?: Logger,
): Promise<SlackAppHarness> {
  const config = parseConfig({
    SLACK_BOT_TOKEN: 'xoxb-engine-test',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: engine.slackApi.url,
    ...env,
  });
  requireSlackCredentials(config);
  const app = createSlackApp({ slack: config.slack, logLevel: 'error' });
  registerListeners(app, {
    temporal,
    taskQueue: engine.taskQueue,
    sealingSecret: SIGNING_SECRET,
    requesters: config.requesters,
    ...(audit ? { audit } : {}),
  });
  const server = await app.start(0);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('Bolt did not listen on a TCP port');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  return {
    app,
    baseUrl,
    sender: new SlackSender(`${baseUrl}${SLACK_EVENTS_PATH}`, SIGNING_SECRET, engine.slackApi.hooksUrl),
    close: async () => {
      await app.stop();
    },
  };
}

/** The run id from the ephemeral acknowledgement of `/agent <request>`. */
export function runIdFromAck(json: unknown): string {
  const text = (json as { text?: string } | undefined)?.text ?? '';
  const match = /`(run-[A-Za-z0-9_-]+)`/.exec(text);
  if (!match?.[1]) throw new Error(`no run id in the acknowledgement: ${text}`);
  return match[1];
}

/** The Approve (index 0) or Reject (index 1) button's value on a posted card. */
export function buttonValue(card: SlackCall, which: 'approve' | 'reject'): string {
  const blocks = card.args.blocks as Array<{
    type: string;
    elements?: Array<{ action_id?: string; value?: string }>;
  }>;
  const actions = blocks.find((b) => b.type === 'actions');
  const button = actions?.elements?.find((e) => e.action_id === `approval_${which}`);
  if (!button?.value) throw new Error(`the card has no ${which} button`);
  return button.value;
}

export function notesValues(notes: string | null) {
  return { notes: { notes_input: { type: 'plain_text_input', value: notes } } };
}

/** `/agent <text>` from `userId` (the requester by default): the run id from the ephemeral acknowledgement. */
export async function askAgent(
  sender: SlackSender,
  text: string,
  userId: string = PEOPLE.requester.id,
): Promise<string> {
  const response = await sender.slashCommand({ text, userId, channelId: 'C0GENERAL' });
  expect(response.status).toBe(200);
  expect(response.json).toMatchObject({ response_type: 'ephemeral' });
  return runIdFromAck(response.json);
}

/** Asks for a risky action and waits for its approval card. */
export async function askForCard(harness: SlackAppHarness, slackApi: FakeSlackApi, text: string) {
  return waitForCard(slackApi, await askAgent(harness.sender, text));
}

/** `/agent <text>` with the model scripted to propose `call`, then to say `answer`: the run id and its card. */
export async function askWithScript(
  harness: SlackAppHarness,
  engine: Engine,
  text: string,
  call: FakeOpenAIReply,
  answer: string,
) {
  scriptModel(engine.openai, { [text]: [call, message(answer)] });
  const runId = await askAgent(harness.sender, text);
  return { runId, card: await waitForCard(engine.slackApi, runId) };
}

/** A decision form as Slack was asked to open it. */
export interface DecisionForm {
  /** The id Slack gave the opened modal: each form has its own, and its submission carries it. */
  id?: string;
  callback_id: string;
  private_metadata: string;
  blocks: Array<{ type: string; text?: { type: string; text: string } }>;
}

type Card = Awaited<ReturnType<typeof waitForCard>>;

/** Clicks Approve or Reject on a card as `userId`, as Slack sends it; the click's trigger_id. */
export async function clickCard(
  harness: Pick<SlackAppHarness, 'sender'>,
  card: Card,
  which: 'approve' | 'reject',
  userId: string,
): Promise<string> {
  const triggerId = harness.sender.nextTriggerId();
  const clicked = await harness.sender.blockAction({
    actionId: `approval_${which}`,
    value: buttonValue(card.call, which),
    userId,
    channelId: String(card.call.args.channel),
    messageTs: card.ts,
    triggerId,
  });
  expect(clicked.status).toBe(200);
  return triggerId;
}

/** Clicks Approve or Reject on a card as `userId` and returns the form the app opened. */
export async function openDecisionForm(
  harness: Pick<SlackAppHarness, 'sender'>,
  slackApi: FakeSlackApi,
  card: Card,
  which: 'approve' | 'reject',
  userId: string,
): Promise<DecisionForm> {
  const triggerId = await clickCard(harness, card, which, userId);
  const opened = await slackApi.waitForCall('views.open', (c) => c.args.trigger_id === triggerId);
  const id = (opened.response as { view?: { id?: string } } | undefined)?.view?.id;
  return { ...(opened.args.view as DecisionForm), ...(id ? { id } : {}) };
}

/** Submits a decision form as `userId` with `notes`: Slack's answer (empty when the form closes). */
export function submitDecisionForm(
  harness: Pick<SlackAppHarness, 'sender'>,
  form: Pick<DecisionForm, 'id' | 'callback_id' | 'private_metadata'>,
  userId: string,
  notes: string | null,
) {
  return harness.sender.viewSubmission({
    callbackId: form.callback_id,
    privateMetadata: form.private_metadata,
    values: notesValues(notes),
    userId,
    ...(form.id ? { viewId: form.id } : {}),
  });
}

/**
 * Approves with the form as `userId`, allowing the same call again for `forMs` (one of the form's choices) with the
 * arguments in `vary` free to differ: Slack's answer (empty when the form closes).
 */
export function submitStandingApproval(
  harness: SlackAppHarness,
  form: DecisionForm,
  userId: string,
  forMs: number,
  vary: string[],
) {
  const select = (form.blocks as SentBlock[]).find((b) => b.block_id === 'standing');
  expect(select?.element?.options?.map((o) => o.value)).toContain(String(forMs));
  return harness.sender.viewSubmission({
    callbackId: form.callback_id,
    privateMetadata: form.private_metadata,
    userId,
    ...(form.id ? { viewId: form.id } : {}),
    values: {
      ...notesValues(null),
      standing: {
        standing_for: {
          type: 'static_select',
          selected_option: { text: { type: 'plain_text', text: 'x' }, value: String(forMs) },
        },
      },
      standing_vary: {
        standing_vary: {
          type: 'checkboxes',
          selected_options: vary.map((value) => ({ text: { type: 'plain_text', text: value }, value })),
        },
      },
    },
  });
}

/** Approves with the form as `userId` with a standing approval of `forMs`, the arguments in `vary` free to differ. */
export async function approveStanding(
  harness: SlackAppHarness,
  form: DecisionForm,
  userId: string,
  forMs: number,
  vary: string[],
) {
  expect((await submitStandingApproval(harness, form, userId, forMs, vary)).text).toBe('');
}

/** The decision form's field for an argument (fields mode) or its JSON field, by label. */
export function formField(form: DecisionForm, label: string): SentBlock {
  const found = (form.blocks as SentBlock[]).find((b) => b.type === 'input' && b.label?.text === label);
  if (!found?.block_id) throw new Error(`no "${label}" field in the form`);
  return found;
}

/** Submits a decision form as `userId` with changed arguments (`values`, by field block id) and notes. */
export function submitEditedForm(
  harness: SlackAppHarness,
  form: DecisionForm,
  userId: string,
  values: Record<string, string>,
  notes: string | null = null,
) {
  const state: Record<string, Record<string, { type: string; value: string | null }>> = {
    ...notesValues(notes),
  };
  for (const [blockId, value] of Object.entries(values)) {
    state[blockId] = { edit_argument: { type: 'plain_text_input', value } };
  }
  return harness.sender.viewSubmission({
    callbackId: form.callback_id,
    privateMetadata: form.private_metadata,
    values: state,
    userId,
    ...(form.id ? { viewId: form.id } : {}),
  });
}

/** A Block Kit block as a test reads it back from a recorded Slack call: only the fields tests look at. */
export type SentBlock = {
  type: string;
  block_id?: string;
  text?: { text: string };
  label?: { text: string };
  element?: { type?: string; initial_value?: string; options?: Array<{ value: string }> };
  elements?: Array<{ action_id?: string; value?: string; text?: string | { text: string } }>;
};

/** Clicks, as `userId`, the button `actionId` of a published Home view whose value includes `valueIncludes`. */
export async function clickInHome(
  harness: SlackAppHarness,
  userId: string,
  home: { id: string; blocks: SentBlock[] },
  actionId: string,
  valueIncludes: string,
): Promise<string> {
  const matches = (e: { action_id?: string; value?: string }) =>
    e.action_id === actionId && e.value?.includes(valueIncludes);
  const block = home.blocks.find((b) => b.elements?.some(matches));
  const button = block?.elements?.find(matches);
  if (!block || !button?.value)
    throw new Error(`no ${actionId} button for ${valueIncludes} in the Home view`);
  const triggerId = harness.sender.nextTriggerId();
  const clicked = await harness.sender.homeAction({
    userId,
    view: home,
    actionId,
    blockId: block.block_id,
    value: button.value,
    triggerId,
  });
  expect(clicked.status).toBe(200);
  return triggerId;
}
