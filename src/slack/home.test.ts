import type { WebClient } from '@slack/web-api';
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { type HomeDeps, republishHome, sawHome } from './home.js';

/** Deps whose every use fails loudly: republishing must not touch them for someone who does not use the Home. */
function untouchable(): { deps: HomeDeps; client: WebClient; touched: string[] } {
  const touched: string[] = [];
  const trap = (what: string) =>
    new Proxy(
      {},
      {
        get: () => {
          touched.push(what);
          throw new Error(`${what} was used`);
        },
      },
    );
  return {
    deps: {
      temporal: trap('temporal') as Client,
      membership: async () => {
        touched.push('standing');
        throw new Error('standing was used');
      },
      homeViewers: new Map(),
    },
    client: trap('slack') as WebClient,
    touched,
  };
}

describe('republishHome', () => {
  it('reads nothing for someone who has not opened their Home lately', async () => {
    const { deps, client, touched } = untouchable();
    await republishHome(deps, client, { id: 'U0NEVER' });
    sawHome(deps, 'U0LONGAGO', Date.now() - 2 * 60 * 60_000);
    await republishHome(deps, client, { id: 'U0LONGAGO' });
    expect(touched).toEqual([]);
  });

  it('republishes for someone who opened it within the hour', async () => {
    const { deps, client, touched } = untouchable();
    sawHome(deps, 'U0RECENT');
    await expect(republishHome(deps, client, { id: 'U0RECENT' })).rejects.toThrow(/was used/);
    expect(touched).toContain('standing');
  });

  it('remembers a bounded number of people, forgetting the oldest first', () => {
    const { deps } = untouchable();
    for (let i = 0; i < 10_001; i += 1) sawHome(deps, `U${i}`);
    expect(deps.homeViewers.size).toBe(10_000);
    expect(deps.homeViewers.has('U0')).toBe(false);
    expect(deps.homeViewers.has('U10000')).toBe(true);
  });
});
