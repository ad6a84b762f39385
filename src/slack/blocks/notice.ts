// A modal that only says something, for any click that opened or holds a modal: why a decision cannot be made, or
// that the request is being checked. Pure: data in, Block Kit out.
import type { View } from '@slack/types';
import { SECTION_TEXT_MAX, truncate } from './text.js';

/** A modal that only says something: why a decision cannot be made, or that the request is being checked. */
export function noticeModal(text: string): View {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: 'Countersign' },
    close: { type: 'plain_text', text: 'OK' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: truncate(text, SECTION_TEXT_MAX) } }],
  };
}

export const CHECKING_TEXT = ':hourglass_flowing_sand: Checking this request with Countersign…';
