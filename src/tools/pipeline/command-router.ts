/**
 * The command router: explicit commands become tool calls with no model involved. Slash
 * commands, the console's fast path and model-less installs all use it. Syntax and help are
 * generated from the registry, so a new tool is routable the moment it is registered:
 *
 *   help                      every command
 *   help <tool>               one command's arguments and examples
 *   <tool|alias> [positional…] [key=value…]   or   <tool|alias> {"json": "object"}
 */
import { hasRole, type Role } from '../../auth/roles.js';
import { ValidationError } from '../../errors.js';
import { toolJsonSchema, type RegisteredTool, type ToolRegistry } from '../tool-registry.js';
import { tokenizeCommand } from './command-tokenizer.js';

/** What a line means. */
export type RoutedCommand =
  | { kind: 'help'; text: string }
  | { kind: 'call'; tool: string; args: Record<string, unknown> }
  | { kind: 'not_command' };

type JsonSchema = { type?: string | string[]; properties?: Record<string, JsonSchema>; required?: string[]; description?: string; enum?: unknown[]; default?: unknown; anyOf?: JsonSchema[]; items?: JsonSchema };

/** Parses command lines against a registry. */
export class CommandRouter {
  constructor(private readonly registry: ToolRegistry) {}

  /**
   * Routes one line; `not_command` when it does not start with help or a known tool. With
   * `strict`, the line must map word for word onto the tool's arguments (no free-text tail
   * folded into the last positional), which is what "parses completely" means with a model.
   */
  route(line: string, role: Role = 'admin', options: { strict?: boolean } = {}): RoutedCommand {
    const text = line.trim().replace(/^[/!]/, '');
    if (text === '') return { kind: 'not_command' };
    const match = this.matchTool(text);
    const first = text.split(/\s+/, 1)[0]!.toLowerCase();
    if (!match && (first === 'help' || first === '?')) {
      const words = tokenizeCommand(text).slice(1);
      if (words.length === 0) return { kind: 'help', text: this.helpText(role) };
      const tool = this.registry.resolve(words.join(' '));
      if (!tool) throw new ValidationError(`Unknown command "${words.join(' ').slice(0, 100)}"; type "help" for the list`);
      return { kind: 'help', text: this.toolHelp(tool) };
    }
    if (!match) return { kind: 'not_command' };
    const rest = text.slice(match.consumed).trim();
    return { kind: 'call', tool: match.tool.tool.name, args: this.parseArguments(match.tool, rest, options.strict ?? false) };
  }

  /** Every command the role may run, one line each (unavailable ones flagged). */
  helpText(role: Role = 'admin'): string {
    const lines = ['Commands (type "help <command>" for details):'];
    for (const entry of this.registry.list()) {
      if (!hasRole(role, entry.tool.minRole)) continue;
      const reason = this.registry.unavailableReason(entry.tool.name);
      const risk = entry.tool.risk === 'read' ? '' : ` [${entry.tool.risk}: needs approval]`;
      lines.push(`  ${this.usage(entry)} — ${entry.tool.description}${risk}${reason ? ` (unavailable: ${reason})` : ''}`);
    }
    if (lines.length === 1) lines.push('  (no command is available to your role)');
    return lines.join('\n');
  }

  /** Arguments, aliases and examples of one tool. */
  toolHelp(entry: RegisteredTool): string {
    const schema = toolJsonSchema(entry.tool) as JsonSchema;
    const required = new Set(schema.required ?? []);
    const lines = [`${entry.tool.name} — ${entry.tool.description}`, `Usage: ${this.usage(entry)}`];
    lines.push(`Risk: ${entry.tool.risk}; minimum role: ${entry.tool.minRole}; timeout: ${entry.tool.timeoutMs} ms`);
    if (entry.tool.aliases?.length) lines.push(`Aliases: ${entry.tool.aliases.join(', ')}`);
    const properties = Object.entries(schema.properties ?? {});
    if (properties.length) {
      lines.push('Arguments:');
      for (const [name, property] of properties) {
        const type = property.enum ? property.enum.map(String).join('|') : [property.type ?? 'value'].flat().join('|');
        const flags = [required.has(name) && property.default === undefined ? 'required' : 'optional', property.default !== undefined ? `default ${JSON.stringify(property.default)}` : ''].filter(Boolean).join(', ');
        lines.push(`  ${name}=<${type}> (${flags})${property.description ? ` — ${property.description}` : ''}`);
      }
    }
    if (entry.tool.examples?.length) lines.push('Examples:', ...entry.tool.examples.map((example) => `  ${example}`));
    return lines.join('\n');
  }

  private usage(entry: RegisteredTool): string {
    const positional = (entry.tool.positional ?? []).map((name) => `<${name}>`).join(' ');
    return `${entry.tool.name}${positional ? ' ' + positional : ''} [key=value…]`;
  }

  private matchTool(text: string): { tool: RegisteredTool; consumed: number } | undefined {
    const lower = text.toLowerCase();
    const boundary = (length: number) => length === lower.length || /\s/.test(lower[length]!);
    for (const [alias, name] of this.registry.aliases()) {
      const pattern = alias.split(' ').join('\\s+');
      const found = new RegExp(`^${pattern}`).exec(lower);
      if (found && boundary(found[0].length)) return { tool: this.registry.get(name)!, consumed: found[0].length };
    }
    const first = /^\S+/.exec(lower)![0];
    const tool = this.registry.get(first);
    return tool ? { tool, consumed: first.length } : undefined;
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
      if (!name) throw new ValidationError(`Unexpected argument "${word.slice(0, 100)}" for ${entry.tool.name}; use key=value (see "help ${entry.tool.name}")`);
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
    return value.split(/[\s,]+/).filter(Boolean).map((item) => coerce(item, items));
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
