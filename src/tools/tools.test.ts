import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isAllowedUrl } from './call-webhook.js';
import { TOOLS } from './index.js';
import { inviteToChannel } from './invite-to-channel.js';
import { riskOf } from './tool.js';

describe('isAllowedUrl', () => {
  const allowlist = ['https://hooks.example.com/countersign/'];

  it.each([
    'https://hooks.example.com/countersign/',
    'https://hooks.example.com/countersign/deploy',
    'https://hooks.example.com/countersign/deploy/web?env=prod#top',
    'https://HOOKS.example.com/countersign/deploy',
    'https://hooks.example.com:443/countersign/deploy',
  ])('allows %s', (url) => {
    expect(isAllowedUrl(url, allowlist)).toBe(true);
  });

  it.each([
    ['another scheme', 'http://hooks.example.com/countersign/deploy'],
    ['another host', 'https://evil.example.com/countersign/deploy'],
    ['another port', 'https://hooks.example.com:8443/countersign/deploy'],
    ['a look-alike host', 'https://hooks.example.com.evil.com/countersign/deploy'],
    ['credentials pointing elsewhere', 'https://hooks.example.com@evil.com/countersign/deploy'],
    ['another path', 'https://hooks.example.com/admin'],
    ['a path outside the prefix', 'https://hooks.example.com/'],
    ['dot segments leaving the prefix', 'https://hooks.example.com/countersign/../admin'],
    ['encoded dot segments leaving the prefix', 'https://hooks.example.com/countersign/%2e%2e/admin'],
    ['not a URL', 'hooks.example.com/countersign/deploy'],
    ['an empty string', ''],
  ])('refuses %s', (_, url) => {
    expect(isAllowedUrl(url, allowlist)).toBe(false);
  });

  it('allows dot segments that stay inside the prefix', () => {
    expect(isAllowedUrl('https://hooks.example.com/countersign/a/../deploy', allowlist)).toBe(true);
  });

  it('accepts a URL matching any entry of the allowlist', () => {
    const two = ['https://a.example.com/hooks/', 'https://b.example.com/'];
    expect(isAllowedUrl('https://b.example.com/anything', two)).toBe(true);
    expect(isAllowedUrl('https://a.example.com/hooks/x', two)).toBe(true);
    expect(isAllowedUrl('https://a.example.com/other', two)).toBe(false);
  });

  it('refuses everything when the allowlist is empty', () => {
    expect(isAllowedUrl('https://hooks.example.com/countersign/deploy', [])).toBe(false);
  });

  it('treats an entry without a trailing slash as a whole path segment', () => {
    const noSlash = ['https://hooks.example.com/countersign'];
    expect(isAllowedUrl('https://hooks.example.com/countersign', noSlash)).toBe(true);
    expect(isAllowedUrl('https://hooks.example.com/countersign/deploy', noSlash)).toBe(true);
    expect(isAllowedUrl('https://hooks.example.com/countersign-admin/wipe', noSlash)).toBe(false);
  });
});

describe('riskOf', () => {
  const invite = (count: number) => ({
    channel: 'C123',
    users: Array.from({ length: count }, (_, i) => `U${100 + i}`),
  });

  it.each([1, 5])('rates inviting %i user(s) as medium', (count) => {
    expect(riskOf(inviteToChannel, invite(count))).toBe('medium');
  });

  it.each([6, 30])('rates inviting %i users as high', (count) => {
    expect(riskOf(inviteToChannel, invite(count))).toBe('high');
  });

  it('gives a tool with a fixed risk that risk', () => {
    const archive = TOOLS.find((tool) => tool.name === 'archive_channel');
    expect(archive && riskOf(archive, { channel: 'C123' })).toBe('high');
  });
});

describe('TOOLS', () => {
  it('have unique snake_case names', () => {
    const names = TOOLS.map((tool) => tool.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z]+(?:_[a-z]+)*$/);
  });

  it.each(TOOLS.map((tool) => [tool.name, tool] as const))('%s has a description', (_, tool) => {
    expect(tool.description.trim().length).toBeGreaterThan(0);
  });

  it.each(TOOLS.map((tool) => [tool.name, tool] as const))(
    '%s refuses empty arguments exactly when it has required parameters',
    (_, tool) => {
      const required =
        (z.toJSONSchema(tool.parameters, { io: 'input' }) as { required?: string[] }).required ?? [];
      expect(tool.parameters.safeParse({}).success).toBe(required.length === 0);
    },
  );
});
