// The tokens MCP clients present to the gateway. A token is 256 random bits, shown to its owner once; Countersign keeps
// only its SHA-256, as the id of the token's workflow (src/workflows/agent-token.ts), so a token is checked in one query
// and whoever reads Temporal holds nothing they could present. A fast hash is enough here: slow hashes (bcrypt,
// argon2) protect secrets people choose, which can be guessed; 2^256 random tokens cannot be, fast hash or not.
import { createHash, randomBytes } from 'node:crypto';

/** Random bytes in a token: 256 bits, beyond any search. */
const TOKEN_BYTES = 32;
/** Says what the secret is when it turns up in a config file or a leak scanner's report. */
const TOKEN_PREFIX = 'csat_';
/** A token as issued: the prefix and the bytes in base64url (43 characters). Anything else is refused unread. */
const TOKEN_SHAPE = /^csat_[A-Za-z0-9_-]{43}$/;
/** Hex characters of the hash that name a token in audits and call ids: 64 bits, unique among any workspace's tokens. */
const TOKEN_ID_CHARS = 16;

export interface IssuedToken {
  /** Shown once to its owner, never stored. */
  token: string;
  workflowId: string;
  tokenId: string;
}

export function agentTokenWorkflowId(hash: string): string {
  return `agent-token/${hash}`;
}

/** The hash of a well-formed token; undefined for anything else (the gateway answers 401 without asking Temporal). */
export function tokenHash(token: string): string | undefined {
  if (!TOKEN_SHAPE.test(token)) return undefined;
  return createHash('sha256').update(token).digest('hex');
}

export function tokenIdOf(hash: string): string {
  return hash.slice(0, TOKEN_ID_CHARS);
}

export function issueToken(): IssuedToken {
  const token = `${TOKEN_PREFIX}${randomBytes(TOKEN_BYTES).toString('base64url')}`;
  const hash = tokenHash(token) as string;
  return { token, workflowId: agentTokenWorkflowId(hash), tokenId: tokenIdOf(hash) };
}
