import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callWebhook, isAllowedUrl, NOT_ON_ALLOWLIST, postWebhook } from './call-webhook.js';
import { TOOLS } from './index.js';
import { inviteToChannel } from './invite-to-channel.js';
import { OutcomeUnknownError, riskOf, type ToolContext, ToolError } from './tool.js';

describe('isAllowedUrl', () => {
  const allowlist = ['https://hooks.example.com/countersign/'];

  it.each([
    'https://hooks.example.com/countersign/',
    'https://hooks.example.com/countersign/deploy',
    'https://hooks.example.com/countersign/deploy/web?env=prod#top',
    'https://hooks.example.com/countersign/deploy?next=%2Fadmin%2e%25',
    'https://HOOKS.example.com/countersign/deploy',
    'https://hooks.example.com:443/countersign/deploy',
    'https://hooks.example.com/countersign/deploy/',
    'https://hooks.example.com/countersign/deploy%20now',
  ])('allows %s', (url) => {
    expect(isAllowedUrl(url, allowlist)).toBe(true);
  });

  it.each([
    ['another scheme', 'http://hooks.example.com/countersign/deploy'],
    ['another host', 'https://evil.example.com/countersign/deploy'],
    ['another port', 'https://hooks.example.com:8443/countersign/deploy'],
    ['a look-alike host', 'https://hooks.example.com.evil.com/countersign/deploy'],
    ['credentials pointing elsewhere', 'https://hooks.example.com@evil.com/countersign/deploy'],
    ['a user name', 'https://deploy@hooks.example.com/countersign/deploy'],
    ['a user name and password', 'https://deploy:s3cret@hooks.example.com/countersign/deploy'],
    ['a password alone', 'https://:s3cret@hooks.example.com/countersign/deploy'],
    ['another path', 'https://hooks.example.com/admin'],
    ['a path outside the prefix', 'https://hooks.example.com/'],
    ['dot segments leaving the prefix', 'https://hooks.example.com/countersign/../admin'],
    ['encoded dot segments leaving the prefix', 'https://hooks.example.com/countersign/%2e%2e/admin'],
    ['encoded dot segments staying inside', 'https://hooks.example.com/countersign/a/%2E%2E/deploy'],
    ['a half-encoded dot segment', 'https://hooks.example.com/countersign/.%2e/admin'],
    ['an encoded slash', 'https://hooks.example.com/countersign/..%2fadmin'],
    ['an encoded slash, upper case', 'https://hooks.example.com/countersign/..%2Fadmin'],
    ['an encoded backslash', 'https://hooks.example.com/countersign/..%5cadmin'],
    ['a double-encoded slash', 'https://hooks.example.com/countersign/..%252fadmin'],
    ['a backslash', 'https://hooks.example.com/countersign/..\\admin'],
    ['a backslash in the authority', 'https://hooks.example.com\\@evil.com/countersign/deploy'],
    ['a NUL', 'https://hooks.example.com/countersign/deploy\u0000'],
    ['an encoded NUL', 'https://hooks.example.com/countersign/deploy%00.json'],
    ['an encoded line break', 'https://hooks.example.com/countersign/deploy%0d%0aX-Evil:%201'],
    ['a tab the parser would drop', 'https://hooks.example.com/countersign/.\t./admin'],
    ['a line break the parser would drop', 'https://hooks.example.com/countersign/.\n./admin'],
    ['a leading space', ' https://hooks.example.com/countersign/deploy'],
    ['a non-ASCII character', 'https://hooks.example.com/countersign/dеploy'],
    ['an empty segment', 'https://hooks.example.com/countersign//deploy'],
    ['a path parameter hiding a dot segment', 'https://hooks.example.com/countersign/..;/admin'],
    ['another scheme altogether', 'ftp://hooks.example.com/countersign/deploy'],
    ['not a URL', 'hooks.example.com/countersign/deploy'],
    ['an empty string', ''],
  ])('refuses %s', (_, url) => {
    expect(isAllowedUrl(url, allowlist)).toBe(false);
  });

  it('allows dot segments that stay inside the prefix', () => {
    expect(isAllowedUrl('https://hooks.example.com/countersign/a/../deploy', allowlist)).toBe(true);
    expect(isAllowedUrl('https://hooks.example.com/countersign/./deploy', allowlist)).toBe(true);
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

  it.each([
    ['not a URL', 'hooks.example.com/countersign/'],
    ['not http(s)', 'ftp://hooks.example.com/countersign/'],
    ['with a user name', 'https://deploy@hooks.example.com/countersign/'],
    ['with a password', 'https://deploy:s3cret@hooks.example.com/countersign/'],
    ['with an encoded slash', 'https://hooks.example.com/countersign%2f/'],
    ['with a query', 'https://hooks.example.com/countersign/?token=abc'],
    ['with a fragment', 'https://hooks.example.com/countersign/#x'],
  ])('lets an entry %s match nothing', (_, entry) => {
    for (const url of [
      'https://hooks.example.com/countersign/deploy',
      'https://deploy:s3cret@hooks.example.com/countersign/deploy',
      'https://hooks.example.com/countersign/?token=abc',
      entry,
    ]) {
      expect(isAllowedUrl(url, [entry])).toBe(false);
    }
  });
});

describe('call_webhook refusal', () => {
  const secret = 'k7Qz-not-for-the-model';
  const allowlist = [`https://hooks.example.com/countersign/${secret}/`, 'http://10.0.0.5:8080/internal/'];
  const refusal = (url: string) =>
    callWebhook.refuse?.({ url, payload: {} }, { webhookAllowlist: allowlist });

  it.each([
    'https://evil.example.net/steal',
    `https://hooks.example.com/countersign/${secret}/..%2fadmin`,
    `https://user:pw@hooks.example.com/countersign/${secret}/deploy`,
    'http://10.0.0.5:8080/internal/..;/admin',
  ])('says only that %s is not on the allowlist, naming no entry', (url) => {
    expect(refusal(url)).toBe(NOT_ON_ALLOWLIST);
  });

  it('names nothing of the allowlist, nor of the URL, when the allowlist is empty either', () => {
    expect(
      callWebhook.refuse?.({ url: 'https://evil.example.net/', payload: {} }, { webhookAllowlist: [] }),
    ).toBe(NOT_ON_ALLOWLIST);
    for (const entry of allowlist) {
      for (const part of [entry, secret, 'hooks.example.com', '10.0.0.5', 'internal']) {
        expect(NOT_ON_ALLOWLIST).not.toContain(part);
      }
    }
  });

  it('lets an allowed URL through', () => {
    expect(refusal(`https://hooks.example.com/countersign/${secret}/deploy`)).toBeUndefined();
  });
});

describe('call_webhook on the wire', () => {
  interface Received {
    method: string;
    path: string;
    headers: IncomingHttpHeaders;
    body: string;
  }
  const received: Received[] = [];
  /** What the endpoint does with each request, by path. */
  const answer = new Map<string, (res: ServerResponse) => void>();
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const path = req.url ?? '';
        received.push({
          method: req.method ?? '',
          path,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        const respond = answer.get(path);
        if (respond) respond(res);
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const context = (callKey = 'run-1/call-1', attempt = 1): ToolContext => ({
    slack: {} as ToolContext['slack'],
    webhookAllowlist: [base],
    requesterId: 'U0REQUESTER',
    callKey,
    attempt,
  });
  const call = (path: string, ctx = context()) =>
    callWebhook.execute({ url: `${base}${path}`, payload: { service: 'web' } }, ctx);
  const errorOf = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected the call to fail');
      },
      (error: unknown) => error as Error,
    );

  it('POSTs the payload with the call key as Idempotency-Key, the same on every attempt', async () => {
    const first = await call('ok', context('run-7/call-a', 1));
    await call('ok', context('run-7/call-a', 2));
    expect(first).toEqual({
      summary: 'Called the webhook: HTTP 200.',
      data: { status: 200, body: '{"ok":true}' },
    });
    const sent = received.filter((r) => r.path === '/hook/ok');
    expect(sent.map((r) => [r.method, r.headers['idempotency-key'], r.body])).toEqual([
      ['POST', 'run-7/call-a', '{"service":"web"}'],
      ['POST', 'run-7/call-a', '{"service":"web"}'],
    ]);
    expect(sent[0]?.headers['content-type']).toBe('application/json');
  });

  it('reports a 5xx as an outcome unknown: the call may have run', async () => {
    answer.set('/hook/down', (res) => res.writeHead(503).end('<html>busy</html>'));
    const error = await errorOf(call('down'));
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect(error.message).toMatch(/HTTP 503/);
    expect(error.message).toMatch(/may have run/);
  });

  it('reports a 4xx as an answer for the model', async () => {
    answer.set('/hook/bad', (res) => res.writeHead(422).end('{"error":"unknown service"}'));
    const error = await errorOf(call('bad'));
    expect(error).toBeInstanceOf(ToolError);
    expect(error.message).toBe('the webhook answered HTTP 422: {"error":"unknown service"}');
  });

  it.each([301, 302, 303, 307, 308])('follows no %i redirect and says so', async (status) => {
    const elsewhere = `${base}elsewhere-${status}`;
    answer.set(`/hook/moved-${status}`, (res) => res.writeHead(status, { location: elsewhere }).end());
    const error = await errorOf(call(`moved-${status}`));
    expect(error).toBeInstanceOf(ToolError);
    expect(error.message).toContain(`HTTP ${status}`);
    expect(error.message).toContain('redirects are not followed');
    expect(error.message).not.toContain(elsewhere);
    expect(received.filter((r) => r.path === `/hook/elsewhere-${status}`)).toEqual([]);
  });

  it('refuses a URL off the allowlist without sending anything', async () => {
    const before = received.length;
    const error = await errorOf(callWebhook.execute({ url: `${base}..%2fadmin`, payload: {} }, context()));
    expect(error).toBeInstanceOf(ToolError);
    expect(error.message).toBe(NOT_ON_ALLOWLIST);
    expect(received.length).toBe(before);
  });

  it('fails plainly (to be retried with the same key) when nothing could be sent', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const url = `http://127.0.0.1:${port}/hook/x`;
    const error = await errorOf(
      callWebhook.execute({ url, payload: {} }, { ...context(), webhookAllowlist: [url] }),
    );
    expect(error).not.toBeInstanceOf(OutcomeUnknownError);
    expect(error).not.toBeInstanceOf(ToolError);
    expect(error.message).toMatch(/ECONNREFUSED.*nothing was sent/);
    expect(error.message).not.toContain(String(port));
  });

  it('reports a timeout after the request went out as an outcome unknown', async () => {
    answer.set('/hook/slow', () => {});
    const error = await errorOf(postWebhook(new URL(`${base}slow`), '{}', {}, 200));
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect(error.message).toMatch(/may have run/);
    expect(received.some((r) => r.path === '/hook/slow')).toBe(true);
  });

  it('keeps the status when the body stops coming: the outcome is known', async () => {
    answer.set('/hook/trickle', (res) => {
      res.writeHead(202);
      res.write('queued');
    });
    expect(await postWebhook(new URL(`${base}trickle`), '{}', {}, 200)).toEqual({
      status: 202,
      body: 'queued',
    });
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
      const required = (tool.inputSchema as { required?: string[] }).required ?? [];
      expect(tool.validate({}).ok).toBe(required.length === 0);
    },
  );
});
