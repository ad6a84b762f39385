// A logger for @slack/web-api clients in tests that provoke Slack errors on purpose: it says nothing.
import { type Logger, LogLevel } from '@slack/web-api';

export const quietSlackLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};
