/**
 * Alertmanager's label matcher syntax (`severity=~"critical|page"`, `team="net"`,
 * `env!="dev"`, `job!~"test.*"`), so routes read like the Alertmanager configuration ops
 * teams already write. Regexes are anchored on both ends, as Alertmanager anchors them.
 */

/** One parsed matcher. */
export interface LabelMatcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
  regex?: RegExp;
}

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^\s"]*))\s*$/;

/** Parses one matcher; returns an error message instead of throwing. */
export function parseMatcher(text: string): LabelMatcher | { error: string } {
  if (text.length > 1_000) return { error: 'matcher is longer than 1000 characters' };
  const match = MATCHER.exec(text);
  if (!match)
    return { error: `"${text.slice(0, 100)}" is not a matcher (expected name="value", name!="value", name=~"regex" or name!~"regex")` };
  const [, name, op, quoted, bare] = match;
  const value = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (bare ?? '');
  if (op === '=~' || op === '!~') {
    try {
      return { name: name!, op, value, regex: new RegExp(`^(?:${value})$`) };
    } catch (error) {
      return { error: `invalid regular expression in "${text.slice(0, 100)}": ${(error as Error).message}` };
    }
  }
  return { name: name!, op: op as '=' | '!=', value };
}

/** Whether `labels` satisfy one matcher (a missing label reads as the empty string). */
export function matches(matcher: LabelMatcher, labels: Record<string, string>): boolean {
  const value = labels[matcher.name] ?? '';
  switch (matcher.op) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    case '=~':
      return matcher.regex!.test(value);
    case '!~':
      return !matcher.regex!.test(value);
  }
}
