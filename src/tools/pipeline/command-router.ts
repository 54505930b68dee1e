/**
 * The command router: explicit commands become tool calls with no model involved. Slash
 * commands, the console's fast path and model-less installs all use it. Syntax and help are
 * generated from the registry, so a new tool is routable the moment it is registered:
 *
 *   help | aide | ?           every command (in the caller's locale)
 *   help <tool>               one command's arguments and examples
 *   <tool|alias> [positional…] [key=value…]   or   <tool|alias> {"json": "object"}
 */
import { type Role } from '../../auth/roles.js';
import { may } from '../../auth/policy.js';
import { createTranslator, hasMessage, type Locale, type Translator } from '../../contracts/i18n.js';
import { ValidationError } from '../../errors.js';
import { toolJsonSchema, type RegisteredTool, type ToolRegistry } from '../tool-registry.js';
import { tokenizeCommand } from './command-tokenizer.js';

/** What a line means. */
export type RoutedCommand =
  { kind: 'help'; text: string } | { kind: 'call'; tool: string; args: Record<string, unknown> } | { kind: 'not_command' };

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
  enum?: unknown[];
  default?: unknown;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
};

/** Parses command lines against a registry. */
export class CommandRouter {
  private readonly patterns = new Map<string, RegExp>();

  constructor(private readonly registry: ToolRegistry) {}

  /**
   * Routes one line; `not_command` when it does not start with help or a known tool. With
   * `strict`, the line must map word for word onto the tool's arguments (no free-text tail
   * folded into the last positional), which is what "parses completely" means with a model.
   */
  route(line: string, role: Role = 'admin', options: { strict?: boolean; locale?: Locale | undefined } = {}): RoutedCommand {
    const text = line.trim().replace(/^[/!]/, '');
    if (text === '') return { kind: 'not_command' };
    const match = this.matchTool(text);
    const first = text.split(/\s+/, 1)[0]!.toLowerCase();
    if (!match && HELP_WORDS.has(first)) {
      const i18n = createTranslator(options.locale);
      const words = tokenizeCommand(text).slice(1);
      if (words.length === 0) return { kind: 'help', text: this.helpText(role, options.locale) };
      const tool = this.registry.resolve(words.join(' '));
      if (!tool) throw new ValidationError(i18n.t('help.unknownCommand', { command: words.join(' ').slice(0, 100) }));
      return { kind: 'help', text: this.toolHelp(tool, options.locale) };
    }
    if (!match) return { kind: 'not_command' };
    const rest = text.slice(match.consumed).trim();
    return { kind: 'call', tool: match.tool.tool.name, args: this.parseArguments(match.tool, rest, options.strict ?? false) };
  }

  /**
   * Every command the role may run, one line each (unavailable ones flagged), in `locale`.
   * Each command is named by its first alias (`services search`, `net check`), the name the
   * README and the docs use; `help <command>` lists the tool's id and every alias.
   */
  helpText(role: Role = 'admin', locale?: Locale): string {
    const i18n = createTranslator(locale);
    const lines = [i18n.t('help.header')];
    for (const entry of this.registry.list()) {
      if (!may({ role }, 'tool.offer', { minRole: entry.tool.minRole })) continue;
      const reason = this.registry.unavailableReason(entry.tool.name);
      const risk = entry.tool.risk === 'read' ? '' : ` [${i18n.t('help.needsApproval', { risk: entry.tool.risk })}]`;
      lines.push(`  ${this.usage(entry)} — ${describe(entry, i18n)}${risk}${reason ? ` (${i18n.t('help.unavailable', { reason })})` : ''}`);
    }
    if (lines.length === 1) lines.push(i18n.t('help.noCommand'));
    return lines.join('\n');
  }

  /** Arguments, aliases and examples of one tool, in `locale`. */
  toolHelp(entry: RegisteredTool, locale?: Locale): string {
    const i18n = createTranslator(locale);
    const schema = toolJsonSchema(entry.tool) as JsonSchema;
    const required = new Set(schema.required ?? []);
    const lines = [
      `${commandName(entry)} (${entry.tool.name}) — ${describe(entry, i18n)}`,
      i18n.t('help.usage', { usage: this.usage(entry) }),
    ];
    lines.push(
      i18n.t('help.risk', { risk: entry.tool.risk, role: entry.tool.minRole, timeout: i18n.unit(entry.tool.timeoutMs, 'millisecond') }),
    );
    if (entry.tool.aliases?.length) lines.push(i18n.t('help.aliases', { aliases: entry.tool.aliases.join(', ') }));
    const properties = Object.entries(schema.properties ?? {});
    if (properties.length) {
      lines.push(i18n.t('help.arguments'));
      for (const [name, property] of properties) {
        const type = property.enum ? property.enum.map(String).join('|') : [property.type ?? 'value'].flat().join('|');
        const flags = [
          required.has(name) && property.default === undefined ? i18n.t('help.required') : i18n.t('help.optional'),
          property.default !== undefined ? i18n.t('help.default', { value: JSON.stringify(property.default) }) : '',
        ]
          .filter(Boolean)
          .join(', ');
        lines.push(`  ${name}=<${type}> (${flags})${property.description ? ` — ${property.description}` : ''}`);
      }
    }
    if (entry.tool.examples?.length) lines.push(i18n.t('help.examples'), ...entry.tool.examples.map((example) => `  ${example}`));
    return lines.join('\n');
  }

  private usage(entry: RegisteredTool): string {
    const positional = (entry.tool.positional ?? []).map((name) => `<${name}>`).join(' ');
    return `${commandName(entry)}${positional ? ' ' + positional : ''} [key=value…]`;
  }

  private matchTool(text: string): { tool: RegisteredTool; consumed: number } | undefined {
    const lower = text.toLowerCase();
    const boundary = (length: number) => length === lower.length || /\s/.test(lower[length]!);
    for (const [alias, name] of this.registry.aliases()) {
      const found = this.patternOf(alias).exec(lower);
      if (found && boundary(found[0].length)) return { tool: this.registry.get(name)!, consumed: found[0].length };
    }
    const first = /^\S+/.exec(lower)![0];
    const tool = this.registry.get(first);
    return tool ? { tool, consumed: first.length } : undefined;
  }

  /** The pattern of an alias (`system status` → /^system\s+status/), compiled once: routing runs on every command. */
  private patternOf(alias: string): RegExp {
    let pattern = this.patterns.get(alias);
    if (!pattern) {
      pattern = new RegExp(`^${alias.split(' ').join('\\s+')}`);
      if (this.patterns.size >= 10_000) this.patterns.clear();
      this.patterns.set(alias, pattern);
    }
    return pattern;
  }

  private parseArguments(entry: RegisteredTool, rest: string, strict: boolean): Record<string, unknown> {
    if (rest.startsWith('{')) {
      try {
        const parsed: unknown = JSON.parse(rest);
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
      } catch {
        /* reported below */
      }
      throw new ValidationError(`Arguments of ${entry.tool.name} look like JSON but are not a valid JSON object`);
    }
    const schema = toolJsonSchema(entry.tool) as JsonSchema;
    const properties = schema.properties ?? {};
    const args: Record<string, unknown> = {};
    const positional = [...(entry.tool.positional ?? [])];
    const loose: string[] = [];
    for (const word of tokenizeCommand(rest)) {
      const pair = /^([A-Za-z_][\w-]*)=(.*)$/s.exec(word);
      if (pair) {
        const key = pair[1]!;
        if (key in args) throw new ValidationError(`Argument ${key} given twice`);
        args[key] = coerce(pair[2]!, properties[key]);
      } else loose.push(word);
    }
    for (let index = 0; index < loose.length; index += 1) {
      const word = loose[index]!;
      const name = positional.shift();
      if (!name)
        throw new ValidationError(
          `Unexpected argument "${word.slice(0, 100)}" for ${entry.tool.name}; use key=value (see "help ${entry.tool.name}")`,
        );
      if (name in args) throw new ValidationError(`Argument ${name} given twice`);
      if (positional.length === 0 && index < loose.length - 1) {
        if (strict) throw new ValidationError(`${entry.tool.name} takes one word as ${name}; quote longer text`);
        // The last positional takes the remaining words (e.g. a free-text query).
        args[name] = loose.slice(index).join(' ');
        break;
      }
      args[name] = coerce(word, properties[name]);
    }
    return args;
  }
}

/** Words that ask for help, in every supported language. */
const HELP_WORDS = new Set(['help', 'aide', '?']);

/** The name a person types: the tool's first alias (`services search`), else its id. */
export function commandName(entry: RegisteredTool): string {
  return entry.tool.aliases?.[0] ?? entry.tool.name;
}

/** The tool's description in the reader's locale (the catalog's `toolDescription.<tool>`), else its own. */
function describe(entry: RegisteredTool, i18n: Translator): string {
  const key = `toolDescription.${entry.tool.name}`;
  return i18n.locale !== 'en' && hasMessage(key, i18n.locale) ? i18n.t(key) : entry.tool.description;
}

/** The JSON types a schema admits, its `anyOf` branches included (string when it says nothing). */
function typesOf(schema: JsonSchema | undefined): string[] {
  const own = schema?.type === undefined ? [] : [schema.type].flat();
  const branches = (schema?.anyOf ?? []).flatMap((branch) => typesOf(branch));
  const types = [...own, ...branches];
  return types.length ? types : schema?.enum ? [] : ['string'];
}

/**
 * Command words → typed values, from the tool's JSON Schema. Tool schemas hold no transforms
 * (models must be able to read them), so the loose shapes people type are coerced here:
 * "22,443" for an array of numbers, "yes" for a boolean, "20" for a number.
 */
function coerce(value: string, schema: JsonSchema | undefined): unknown {
  const types = typesOf(schema);
  if (types.includes('array')) {
    const items = schema?.items ?? schema?.anyOf?.find((branch) => typesOf(branch).includes('array'))?.items;
    return value
      .split(/[\s,]+/)
      .filter(Boolean)
      .map((item) => coerce(item, items));
  }
  if ((types.includes('number') || types.includes('integer')) && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  if (types.includes('boolean') && /^(true|false|yes|no|on|off)$/i.test(value)) return /^(true|yes|on)$/i.test(value);
  if (types.includes('object')) {
    try {
      return JSON.parse(value);
    } catch {
      throw new ValidationError(`Expected a JSON object, got "${value.slice(0, 100)}"`);
    }
  }
  return value;
}
