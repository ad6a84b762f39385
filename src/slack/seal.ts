// Modal private_metadata round-trips through the user's Slack client; sealing it with an HMAC means a
// submission can only ever point at the approval the modal was opened for.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface Sealer {
  seal(value: object): string;
  /** The value, or undefined when the text was not sealed by us or was altered. */
  unseal(text: string): unknown;
}

export function createSealer(secret: string): Sealer {
  const key = createHmac('sha256', 'countersign/private-metadata').update(secret).digest();
  const mac = (data: string) => createHmac('sha256', key).update(data).digest('base64url');
  return {
    seal(value) {
      const data = JSON.stringify(value);
      return JSON.stringify({ data, mac: mac(data) });
    },
    unseal(text) {
      try {
        const envelope = JSON.parse(text) as { data?: unknown; mac?: unknown };
        if (typeof envelope.data !== 'string' || typeof envelope.mac !== 'string') return undefined;
        const expected = Buffer.from(mac(envelope.data));
        const given = Buffer.from(envelope.mac);
        if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
        return JSON.parse(envelope.data);
      } catch {
        return undefined;
      }
    },
  };
}
