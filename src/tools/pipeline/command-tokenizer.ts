/**
 * Splits a command line into words the way operators expect from a shell, without a shell:
 * whitespace separates, "double" and 'single' quotes group, backslash escapes inside double
 * quotes. Errors are clear messages, never partial parses.
 */
import { ValidationError } from '../../errors.js';

/** Longest command line the router accepts. */
export const MAX_COMMAND_LENGTH = 4000;

/** Words of `line`, quotes removed. */
export function tokenizeCommand(line: string): string[] {
  if (line.length > MAX_COMMAND_LENGTH) throw new ValidationError(`Command longer than ${MAX_COMMAND_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(line)) {
    throw new ValidationError('Command contains control characters (binary input is not accepted)');
  }
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index]!;
    if (quote) {
      if (char === quote) quote = null;
      else if (char === '\\' && quote === '"' && index + 1 < line.length) current += line[++index];
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (quote) throw new ValidationError(`Unterminated ${quote} quote in command`);
  if (inWord) words.push(current);
  return words;
}
