/** Same human for deduplication: e-mails compare case-insensitively, Slack ids exactly. */
export function humanKey(entry: string): string {
  return entry.includes('@') ? entry.toLowerCase() : entry;
}

/** Distinct humans in first-seen order and spelling. */
export function dedupeHumans(entries: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const entry of entries) {
    const key = humanKey(entry);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(entry);
  }
  return out;
}
