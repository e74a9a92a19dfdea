/** `--flag value` or `--flag=value`; undefined when absent. */
export function flagValue(flags: readonly string[], flag: string): string | undefined {
  const inline = flags.find((f) => f.startsWith(`${flag}=`));
  if (inline) return inline.slice(flag.length + 1);
  const i = flags.indexOf(flag);
  return i >= 0 ? flags[i + 1] : undefined;
}
