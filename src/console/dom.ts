/**
 * Tiny DOM helpers for the console: elements are built with textContent only (never
 * innerHTML), so message content and audit details cannot inject markup or scripts.
 */

/** Options for `element`. */
export interface ElementOptions {
  className?: string;
  text?: string;
  attributes?: Record<string, string>;
}

/** Creates an element with a class, text, attributes and children. */
export function element<Tag extends keyof HTMLElementTagNameMap>(
  tag: Tag,
  options: ElementOptions = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[Tag] {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.text !== undefined) node.textContent = options.text;
  for (const [name, value] of Object.entries(options.attributes ?? {})) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

/** The element with this id (the page is static, so a missing one is a programming error). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`console: missing #${id}`);
  return node as T;
}

/** A short local time for message and audit lines. */
export function shortTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleTimeString();
}

/** A random id for idempotent sends (crypto.randomUUID needs a secure context). */
export function randomId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
