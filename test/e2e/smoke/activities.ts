export async function describeRequest(text: string, userId: string): Promise<string> {
  return `<@${userId}> asked for: ${text.trim()}`;
}
