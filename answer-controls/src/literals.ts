/**
 * The plain Python lines an answer cell holds (`decision = "defer"`), written and read
 * without running anything. Only literals a trainee may type are understood: a word in
 * quotes, a number, True/False, a list of words, and `...` (not answered yet).
 */

export type Value = string | number | boolean | string[] | null;

/** The Python literal for a value (`null` is the `...` placeholder). */
export function literal(value: Value): string {
  if (value === null) {
    return '...';
  }
  if (typeof value === 'boolean') {
    return value ? 'True' : 'False';
  }
  if (typeof value === 'number') {
    return String(value);
  }
  if (Array.isArray(value)) {
    return '[' + value.map(word => JSON.stringify(word)).join(', ') + ']';
  }
  return JSON.stringify(value);
}

function escapeName(name: string): string {
  return name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function assignment(name: string): RegExp {
  return new RegExp(`^([ \\t]*)${escapeName(name)}[ \\t]*=(?!=)(.*)$`, 'm');
}

/** ``source`` with the line that sets ``name`` replaced (or added at the end). */
export function withAnswer(source: string, name: string, value: Value): string {
  const line = `${name} = ${literal(value)}`;
  const pattern = assignment(name);
  if (pattern.test(source)) {
    return source.replace(pattern, (_match, indent: string) => indent + line);
  }
  const trimmed = source.replace(/\s+$/, '');
  return trimmed ? `${trimmed}\n${line}` : line;
}

function unquote(text: string): string | undefined {
  const match = /^(["'])(.*)\1$/.exec(text.trim());
  return match ? match[2] : undefined;
}

/**
 * The value typed for ``name``: `undefined` when the line is missing or not a plain literal
 * (the control then shows nothing picked), `null` for the `...` placeholder.
 */
export function typedAnswer(source: string, name: string): Value | undefined {
  const match = assignment(name).exec(source);
  if (!match) {
    return undefined;
  }
  const text = match[2].replace(/#.*$/, '').trim();
  if (text === '...') {
    return null;
  }
  if (text === 'True' || text === 'False') {
    return text === 'True';
  }
  if (/^-?\d+(\.\d+)?$/.test(text)) {
    return Number(text);
  }
  const word = unquote(text);
  if (word !== undefined) {
    return word;
  }
  const list = /^\[(.*)\]$/.exec(text);
  if (list) {
    const items = list[1].split(',').map(part => part.trim()).filter(part => part);
    const words = items.map(unquote);
    return words.every(word => word !== undefined) ? (words as string[]) : undefined;
  }
  return undefined;
}
