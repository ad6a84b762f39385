// The proposal digest: what a person saw, bound to what they decide. SHA-256 over the tool and its arguments in
// RFC 8785 canonical JSON, so that the same call always has the same digest whatever the key order. Node's crypto:
// computed by activities and the Slack app, never inside the workflow sandbox, which only compares digests.
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** `sha256:<hex>` of `{"arguments":…,"tool":…}` in canonical JSON. */
export function proposalDigest(proposal: { tool: string; arguments: Record<string, unknown> }): string {
  const canonical = canonicalize({ tool: proposal.tool, arguments: proposal.arguments });
  if (canonical === undefined) throw new Error(`the arguments of ${proposal.tool} cannot be written as JSON`);
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}

/** The first characters of a digest, as shown on a card for a person to compare. */
export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}
