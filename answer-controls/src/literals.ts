/**
 * The plain Python lines an answer cell holds (`decision = "defer"`), written and read
 * without running anything, by the rule the course's marker reads them with
 * (`course/questions/reader.py`, `answers_in_cells`): IPython's tidying first (common
 * indentation removed, `%magic` and `!shell` lines are calls), then the cell as a whole:
 * top-level `name = value` statements only, plain values only (literals, lists, + - * / on
 * numbers), the LAST assignment wins, and a cell that does not parse makes every name it
 * assigns unreadable. Where this reader cannot be sure what Python makes of a cell (code
 * beyond answer lines: blocks, prompts, help, rare escapes), it says `unsure` rather than
 * guess, and the control then shows nothing picked. The shared table
 * `tests/reader_cases.json` runs through both readers (tests/unit/test_reader_cases.py).
 */

export type Value = string | number | boolean | string[] | null;

/** A plain value as Python reads it (`null` is None). */
export type Literal = string | number | boolean | null | Literal[];

/** What the marker reads for one answer name in one cell. */
export type Reading =
  | { state: 'value'; value: Literal }
  | { state: 'not attempted' }
  | { state: 'unreadable' }
  | { state: 'absent' }
  | { state: 'unsure' };

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

// --- values as Python computes them ----------------------------------------------------

const MAX_VALUE_DEPTH = 64; // course/questions/kinds.py: nested lists or operations beyond are code
const MAX_INT_BITS = BigInt(256);
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MAX_CELL = 100_000; // characters: a longer cell is not read here

type PyValue =
  | { k: 'str'; s: string }
  | { k: 'int'; n: bigint }
  | { k: 'float'; x: number }
  | { k: 'bool'; b: boolean }
  | { k: 'none' }
  | { k: 'ellipsis' }
  | { k: 'list'; items: PyValue[] };

/** The value of an expression: plain, not plain (the marker says "type the value"), unsure. */
type Outcome = PyValue | 'not plain' | 'unsure';

type Node =
  | { t: 'const'; v: PyValue | 'not plain' | 'unsure' }
  | { t: 'seq'; items: Node[]; assignable: boolean }
  | { t: 'unary'; op: string; operand: Node }
  | { t: 'bin'; op: string; left: Node; right: Node }
  | { t: 'name'; id: string }
  | { t: 'other'; assignable: boolean };

function bits(n: bigint): bigint {
  return BigInt((n < BigInt(0) ? -n : n).toString(2).length);
}

function isNumber(v: PyValue): v is { k: 'int'; n: bigint } | { k: 'float'; x: number } {
  return v.k === 'int' || v.k === 'float';
}

function asFloat(v: PyValue): number {
  return v.k === 'int' ? Number(v.n) : (v as { x: number }).x;
}

function arithmetic(op: string, a: PyValue, b: PyValue): Outcome {
  if (!isNumber(a) || !isNumber(b)) {
    return 'not plain';
  }
  for (const v of [a, b]) {
    if (v.k === 'int' && bits(v.n) > MAX_INT_BITS) {
      return 'not plain';
    }
  }
  if (a.k === 'int' && b.k === 'int' && op !== '/') {
    const n = op === '+' ? a.n + b.n : op === '-' ? a.n - b.n : a.n * b.n;
    return { k: 'int', n };
  }
  for (const v of [a, b]) {
    if (v.k === 'int' && (v.n > SAFE || v.n < -SAFE)) {
      return 'unsure'; // Python converts exactly; this reader does not try
    }
  }
  const x = asFloat(a);
  const y = asFloat(b);
  if (op === '/' && y === 0) {
    return 'not plain'; // ZeroDivisionError
  }
  return { k: 'float', x: op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : x / y };
}

/** course/questions/kinds.py `plain_value`: the same cases, in the same order, with the same depth. */
let tooDeep = false; // set when an evaluation went past MAX_VALUE_DEPTH

function evaluate(node: Node, depth = 0): Outcome {
  if (depth > MAX_VALUE_DEPTH) {
    tooDeep = true; // Python may not even parse so deep an expression
    return 'not plain';
  }
  switch (node.t) {
    case 'const':
      return node.v;
    case 'seq': {
      const items = node.items.map(item => evaluate(item, depth + 1));
      return combine(items) ?? { k: 'list', items: items as PyValue[] };
    }
    case 'unary': {
      const operand = evaluate(node.operand, depth + 1);
      if (typeof operand === 'string') {
        return operand;
      }
      if (operand.k === 'int') {
        return node.op === '-' ? { k: 'int', n: -operand.n } : operand;
      }
      if (operand.k === 'float') {
        return node.op === '-' ? { k: 'float', x: -operand.x } : operand;
      }
      return 'not plain';
    }
    case 'bin': {
      const left = evaluate(node.left, depth + 1);
      const right = evaluate(node.right, depth + 1);
      const failed = combine([left, right]);
      return failed ?? arithmetic(node.op, left as PyValue, right as PyValue);
    }
    default:
      return 'not plain';
  }
}

/** 'not plain' if any part is not plain (Python raises), else 'unsure' if any part is. */
function combine(parts: Outcome[]): 'not plain' | 'unsure' | undefined {
  if (parts.includes('not plain')) {
    return 'not plain';
  }
  return parts.includes('unsure') ? 'unsure' : undefined;
}

function toReading(outcome: Outcome): Reading {
  if (outcome === 'not plain') {
    return { state: 'unreadable' };
  }
  if (outcome === 'unsure') {
    return { state: 'unsure' };
  }
  if (outcome.k === 'ellipsis') {
    return { state: 'not attempted' };
  }
  const value = toLiteral(outcome);
  return value === undefined ? { state: 'unsure' } : { state: 'value', value };
}

function toLiteral(v: PyValue): Literal | undefined {
  switch (v.k) {
    case 'str':
      return v.s;
    case 'bool':
      return v.b;
    case 'none':
      return null;
    case 'int':
      return v.n > SAFE || v.n < -SAFE ? undefined : Number(v.n);
    case 'float':
      return Number.isFinite(v.x) ? v.x : undefined;
    case 'list': {
      const items = v.items.map(toLiteral);
      // `...` inside a list is a value Python keeps and JSON cannot say: not read here
      return items.some(item => item === undefined) || v.items.some(i => i.k === 'ellipsis')
        ? undefined
        : (items as Literal[]);
    }
    default:
      return undefined;
  }
}

// --- the cell as IPython hands it to Python ----------------------------------------------

/** Dedented lines (textwrap.dedent, as IPython's `leading_indent`) and the margin removed. */
function dedent(source: string): { lines: string[]; margin: string } {
  const lines = source.split('\n').map(line => (/^[ \t]+$/.test(line) ? '' : line));
  let margin: string | undefined;
  for (const line of lines) {
    if (!line) {
      continue;
    }
    const indent = /^[ \t]*/.exec(line)![0];
    if (margin === undefined) {
      margin = indent;
    } else {
      let i = 0;
      while (i < margin.length && i < indent.length && margin[i] === indent[i]) {
        i += 1;
      }
      margin = margin.slice(0, i);
    }
  }
  const cut = margin ?? '';
  return { lines: lines.map(line => (line.startsWith(cut) ? line.slice(cut.length) : line)), margin: cut };
}

/** Python 3.11's keywords (never an answer name). */
export const KEYWORDS: ReadonlySet<string> = new Set(
  ('False None True and as assert async await break class continue def del elif else ' +
    'except finally for from global if import in is lambda nonlocal not or pass raise ' +
    'return try while with yield').split(' ')
);
const OPERATORS = [
  '**=', '//=', '>>=', '<<=', '...', '->', ':=', '+=', '-=', '*=', '/=', '%=', '@=', '&=',
  '|=', '^=', '==', '!=', '<=', '>=', '**', '//', '<<', '>>', '(', ')', '[', ']', '{', '}',
  ',', ':', ';', '.', '=', '+', '-', '*', '/', '%', '@', '<', '>', '&', '|', '^', '~'
];
const CLOSE: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
const NUMBER = new RegExp(
  '(?:0[xX](?:_?[0-9a-fA-F])+|0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|' +
    '(?:[0-9](?:_?[0-9])*\\.(?:[0-9](?:_?[0-9])*)?|\\.[0-9](?:_?[0-9])*)(?:[eE][-+]?[0-9](?:_?[0-9])*)?|' +
    '[0-9](?:_?[0-9])*(?:[eE][-+]?[0-9](?:_?[0-9])*)?)[jJ]?',
  'y'
);
const IDENTIFIER = /[\p{ID_Start}_][\p{ID_Continue}]*/uy;
const STRING_START = /(?:[uU]|[rR][bBfF]?|[bBfF][rR]?)?('''|"""|'|")/y;

type TokenType = 'name' | 'number' | 'string' | 'op' | 'magic' | 'newline';

interface Token {
  type: TokenType;
  text: string; // a name NFKC-normalised, as Python does
  line: number;
  col: number;
  endLine: number;
  endCol: number;
  value?: PyValue | 'not plain' | 'unsure';
  indented?: boolean; // the first token of a logical line that starts indented
}

/** The tokens of a dedented cell and what this reader learnt about it on the way. */
interface Scan {
  tokens: Token[];
  broken: boolean; // Python certainly cannot parse it
  doubt: boolean; // Python may not parse it
  unsure: boolean; // IPython may read it otherwise (prompts, help, escapes)
}

class Scanner {
  private line = 0;
  private col = 0;
  private depth: string[] = [];
  readonly scan: Scan = { tokens: [], broken: false, doubt: false, unsure: false };

  /** ``lines``: the dedented cell; ``ended``: whether it ended with a newline. */
  constructor(private readonly lines: string[], private readonly ended: boolean) {}

  /** The text after line ``line`` as Python gets it (IPython ends every cell with a newline). */
  private afterLine(line: number): string {
    return this.lines.slice(line + 1).join('\n') + (this.ended ? '' : '\n');
  }

  private get text(): string {
    return this.lines[this.line] ?? '';
  }

  private emit(type: TokenType, text: string, line: number, col: number, extra: Partial<Token> = {}): void {
    this.scan.tokens.push({ type, text, line, col, endLine: this.line, endCol: this.col, ...extra });
  }

  private lineStart = true;

  run(): Scan {
    while (this.line < this.lines.length) {
      if (this.lineStart) {
        this.lineStart = false;
        if (!this.logicalLineStart()) {
          this.lineStart = true;
          continue;
        }
      }
      const text = this.text;
      if (this.col >= text.length) {
        this.line += 1;
        this.col = 0;
        if (this.depth.length === 0) {
          this.newline();
          this.lineStart = true;
        }
        continue;
      }
      const c = text[this.col];
      if (c === ' ' || c === '\t' || c === '\f' || c === '\r') {
        this.col += 1;
      } else if (c === '#') {
        this.col = text.length;
      } else if (c === '\\') {
        if (this.col === text.length - 1 && this.afterLine(this.line) !== '') {
          this.line += 1;
          this.col = 0;
        } else if (this.col === text.length - 1) {
          this.scan.broken = true; // a continuation with nothing after it
          this.line = this.lines.length;
        } else {
          this.scan.doubt = true;
          this.col += 1;
        }
      } else if (!this.token()) {
        this.scan.unsure = true; // a character Python does not know: IPython may
        this.col += 1;
      }
    }
    if (this.depth.length) {
      this.scan.broken = true; // a bracket never closed
    }
    this.newline();
    return this.scan;
  }

  private newline(): void {
    const last = this.scan.tokens[this.scan.tokens.length - 1];
    if (last && last.type !== 'newline') {
      this.emit('newline', '', this.line, this.col);
    }
  }

  /** Blank and comment lines are skipped; an escape (`%`, `!`) makes the line a call. */
  private logicalLineStart(): boolean {
    const text = this.text;
    const indent = /^[ \t\f]*/.exec(text)![0].length;
    const rest = text.slice(indent);
    if (!rest.trim() || rest.startsWith('#')) {
      this.line += 1;
      this.col = 0;
      return false;
    }
    this.col = indent;
    if (rest[0] === '%' || rest[0] === '!') {
      this.magic(indent > 0);
      return false;
    }
    if (rest[0] === '\\') {
      this.scan.doubt = true; // Python measures such a line's indent after the continuation
    }
    if ('?,;/'.includes(rest[0])) {
      this.scan.unsure = true; // IPython's help and auto-call escapes
    }
    this.pendingIndent = indent > 0;
    return true;
  }

  private pendingIndent = false;

  /** A `%magic` or `!shell` line (or value): IPython turns it into a call. */
  private magic(indented: boolean, afterAssign = false): void {
    const text = this.text;
    const rest = text.slice(this.col);
    if (/['"\\([{]/.test(rest.replace(/'[^'\n]*'|"[^"\n]*"/g, '')) || /'''|"""/.test(rest)) {
      this.scan.unsure = true; // how IPython splits such a line is not modelled here
    }
    const line = this.line;
    const col = this.col;
    this.col = text.length;
    this.emit('magic', rest, line, col, { indented });
    this.line += 1;
    this.col = 0;
    this.newline();
    this.lineStart = true;
  }

  private token(): boolean {
    const text = this.text;
    const line = this.line;
    const col = this.col;
    const indented = this.pendingIndent && this.isFirstOfLine();
    if (indented) {
      this.pendingIndent = false;
    } else if (this.isFirstOfLine()) {
      this.pendingIndent = false;
    }
    const mark = indented ? { indented: true } : {};
    STRING_START.lastIndex = col;
    const quote = STRING_START.exec(text);
    if (quote) {
      const prefix = quote[0].slice(0, quote[0].length - quote[1].length).toLowerCase();
      this.col = col + quote[0].length;
      const body = this.stringBody(quote[1]);
      if (body === undefined) {
        return true;
      }
      this.emit('string', '', line, col, { ...mark, value: this.decode(prefix, body) });
      return true;
    }
    NUMBER.lastIndex = col;
    const number = NUMBER.exec(text);
    if (number) {
      this.col = col + number[0].length;
      if (/^[\p{ID_Continue}.]/u.test(text.slice(this.col))) {
        this.scan.doubt = true;
      }
      this.emit('number', number[0], line, col, { ...mark, value: this.number(number[0]) });
      return true;
    }
    IDENTIFIER.lastIndex = col;
    const name = IDENTIFIER.exec(text);
    if (name) {
      this.col = col + name[0].length;
      this.emit('name', name[0].normalize('NFKC'), line, col, mark);
      return true;
    }
    const op = OPERATORS.find(candidate => text.startsWith(candidate, col));
    if (!op) {
      return false;
    }
    this.col = col + op.length;
    if ('([{'.includes(op)) {
      this.depth.push(op);
      if (this.depth.length > MAX_VALUE_DEPTH) {
        this.scan.doubt = true; // Python's parser gives up on deep nesting at some depth
      }
    } else if (op in CLOSE) {
      if (this.depth.pop() !== CLOSE[op]) {
        this.scan.broken = true;
      }
    }
    this.emit('op', op, line, col, mark);
    if (op === '=' && this.depth.length === 0 && this.firstAssignOfLine()) {
      const after = text.slice(this.col);
      const gap = /^[ \t]*/.exec(after)![0].length;
      if (/^(%[\p{ID_Start}_]|!(?!=))/u.test(after.slice(gap))) {
        this.col += gap;
        this.magic(false, true);
      }
    }
    return true;
  }

  private isFirstOfLine(): boolean {
    const last = this.scan.tokens[this.scan.tokens.length - 1];
    return !last || last.type === 'newline';
  }

  private firstAssignOfLine(): boolean {
    const tokens = this.scan.tokens;
    for (let i = tokens.length - 2; i >= 0 && tokens[i].type !== 'newline'; i--) {
      if (tokens[i].type === 'op' && tokens[i].text === '=') {
        return false;
      }
    }
    return true;
  }

  /** The raw text between the quotes (the scanner moved past the closing quote). */
  private stringBody(quote: string): string | undefined {
    const parts: string[] = [];
    let text = this.text;
    let start = this.col;
    for (;;) {
      if (this.col >= text.length) {
        if (quote.length === 1 || this.line >= this.lines.length - 1) {
          this.scan.broken = true; // unterminated string
          this.line = this.lines.length;
          this.col = 0;
          return undefined;
        }
        parts.push(text.slice(start), '\n');
        this.line += 1;
        this.col = 0;
        start = 0;
        text = this.text;
        continue;
      }
      const c = text[this.col];
      if (c === '\\') {
        if (this.col === text.length - 1) {
          if (this.line >= this.lines.length - 1) {
            this.scan.broken = true;
            this.line = this.lines.length;
            return undefined;
          }
          parts.push(text.slice(start), '\n');
          this.line += 1;
          this.col = 0;
          start = 0;
          text = this.text;
          continue;
        }
        this.col += 2;
      } else if (text.startsWith(quote, this.col)) {
        parts.push(text.slice(start, this.col));
        this.col += quote.length;
        return parts.join('');
      } else {
        this.col += 1;
      }
    }
  }

  private decode(prefix: string, body: string): PyValue | 'not plain' | 'unsure' {
    if (prefix.includes('f')) {
      this.scan.doubt = true; // an f-string's expressions are not checked here
      return 'not plain';
    }
    if (prefix.includes('b')) {
      if (/[^\x00-\x7f]/.test(body)) {
        this.scan.doubt = true;
      }
      return 'not plain';
    }
    if (prefix.includes('r')) {
      return { k: 'str', s: body };
    }
    let out = '';
    for (let i = 0; i < body.length; i++) {
      const c = body[i];
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = body[i + 1];
      i += 1;
      const simple: Record<string, string> = {
        '\n': '', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n',
        r: '\r', t: '\t', v: '\v'
      };
      if (e in simple) {
        out += simple[e];
      } else if (/[0-7]/.test(e)) {
        const digits = /^[0-7]{1,3}/.exec(body.slice(i))![0];
        out += String.fromCodePoint(parseInt(digits, 8));
        i += digits.length - 1;
      } else if (e === 'x' || e === 'u' || e === 'U') {
        const size = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = body.slice(i + 1, i + 1 + size);
        if (!new RegExp(`^[0-9a-fA-F]{${size}}$`).test(hex) || parseInt(hex, 16) > 0x10ffff) {
          this.scan.broken = true; // truncated or impossible escape: a SyntaxError
          return 'not plain';
        }
        const code = parseInt(hex, 16);
        out += code <= 0xffff ? String.fromCharCode(code) : String.fromCodePoint(code);
        i += size;
      } else if (e === 'N') {
        this.scan.doubt = true; // a character by its Unicode name: not looked up here
        return 'unsure';
      } else {
        out += '\\' + e; // an unknown escape is kept as typed
      }
    }
    return { k: 'str', s: out };
  }

  private number(text: string): PyValue | 'not plain' | 'unsure' {
    const plain = text.replace(/_/g, '');
    if (/[jJ]$/.test(plain)) {
      return 'not plain'; // complex
    }
    if (/^0[xXoObB]/.test(plain)) {
      return { k: 'int', n: BigInt(plain) };
    }
    if (/[.eE]/.test(plain)) {
      return { k: 'float', x: Number(plain) };
    }
    if (/^0+[1-9]/.test(plain)) {
      this.scan.doubt = true; // leading zeros: a SyntaxError in Python 3
      return 'unsure';
    }
    return { k: 'int', n: BigInt(plain) };
  }
}

// --- statements --------------------------------------------------------------------------

class Fail extends Error {}

/** A recursive-descent reader of Python expressions: values for plain ones, "other" else. */
class Expressions {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  /** The whole token list as one expression (a bare tuple allowed), or Fail. */
  static parse(tokens: Token[]): Node {
    const reader = new Expressions(tokens);
    if (!tokens.length) {
      throw new Fail();
    }
    const node = reader.exprList();
    if (reader.i !== tokens.length) {
      throw new Fail();
    }
    return node;
  }

  private isOp(text: string): boolean {
    const token = this.tokens[this.i];
    return token !== undefined && (token.type === 'op' || token.type === 'name') && token.text === text;
  }

  private take(text: string): boolean {
    if (this.isOp(text)) {
      this.i += 1;
      return true;
    }
    return false;
  }

  private expect(text: string): void {
    if (!this.take(text)) {
      throw new Fail();
    }
  }

  private exprList(): Node {
    const first = this.test();
    if (!this.isOp(',')) {
      return first;
    }
    const items = [first];
    while (this.take(',')) {
      if (this.atEnd()) {
        break;
      }
      items.push(this.test());
    }
    return seq(items);
  }

  private atEnd(): boolean {
    return this.i >= this.tokens.length || this.isOp(')') || this.isOp(']') || this.isOp('}') ||
      this.isOp('=');
  }

  private test(): Node {
    if (this.isOp('lambda') || this.isOp('yield') || this.isOp('await') || this.isOp('*')) {
      throw new Fail();
    }
    const body = this.binary(0);
    if (this.take('if')) {
      this.binary(0);
      this.expect('else');
      this.test();
      return other();
    }
    return body;
  }

  private static readonly LEVELS: string[][] = [
    ['or'], ['and'], ['not'], ['<', '>', '==', '>=', '<=', '!=', 'in', 'not in', 'is', 'is not'],
    ['|'], ['^'], ['&'], ['<<', '>>'], ['+', '-'], ['*', '/', '//', '%', '@']
  ];

  private binary(level: number): Node {
    const ops = Expressions.LEVELS[level];
    if (!ops) {
      return this.factor();
    }
    if (ops[0] === 'not') {
      if (this.take('not')) {
        this.binary(level);
        return other();
      }
      return this.binary(level + 1);
    }
    let left = this.binary(level + 1);
    for (;;) {
      const op = this.comparison(ops);
      if (!op) {
        return left;
      }
      const right = this.binary(level + 1);
      left = ['+', '-', '*', '/'].includes(op) ? { t: 'bin', op, left, right } : other();
    }
  }

  private comparison(ops: string[]): string | undefined {
    const token = this.tokens[this.i];
    if (!token || token.type === 'string' || token.type === 'number') {
      return undefined;
    }
    if (token.text === 'not' && ops.includes('not in') && this.tokens[this.i + 1]?.text === 'in') {
      this.i += 2;
      return 'not in';
    }
    if (token.text === 'is' && ops.includes('is')) {
      this.i += 1;
      return this.take('not') ? 'is not' : 'is';
    }
    if (ops.includes(token.text) && token.text !== 'not in' && token.text !== 'is not') {
      this.i += 1;
      return token.text;
    }
    return undefined;
  }

  private factor(): Node {
    for (const op of ['-', '+', '~']) {
      if (this.take(op)) {
        const operand = this.factor();
        return op === '~' ? other() : { t: 'unary', op, operand };
      }
    }
    const base = this.primary();
    if (this.take('**')) {
      this.factor();
      return other();
    }
    return base;
  }

  private primary(): Node {
    let node = this.atom();
    for (;;) {
      if (this.take('.')) {
        const name = this.tokens[this.i];
        if (name?.type !== 'name' || KEYWORDS.has(name.text)) {
          throw new Fail();
        }
        this.i += 1;
        node = other(true);
      } else if (this.take('(')) {
        this.callArguments();
        node = other();
      } else if (this.take('[')) {
        this.subscript();
        node = other(true);
      } else {
        return node;
      }
    }
  }

  private callArguments(): void {
    let keywords = false;
    while (!this.take(')')) {
      if (this.take('**') || this.take('*')) {
        this.test();
        keywords = true;
      } else if (this.tokens[this.i]?.type === 'name' && this.tokens[this.i + 1]?.text === '=' &&
        this.tokens[this.i + 1]?.type === 'op') {
        this.i += 2;
        this.test();
        keywords = true;
      } else {
        if (keywords) {
          throw new Fail(); // a positional argument after a keyword one
        }
        this.test();
        if (this.isOp('for')) {
          throw new Fail();
        }
      }
      if (!this.take(',')) {
        this.expect(')');
        return;
      }
    }
  }

  private subscript(): void {
    do {
      if (this.isOp(']')) {
        break;
      }
      if (!this.isOp(':')) {
        this.test();
      }
      if (this.take(':')) {
        if (!this.isOp(']') && !this.isOp(',') && !this.isOp(':')) {
          this.test();
        }
        if (this.take(':') && !this.isOp(']') && !this.isOp(',')) {
          this.test();
        }
      }
    } while (this.take(','));
    this.expect(']');
  }

  private atom(): Node {
    const token = this.tokens[this.i];
    if (!token) {
      throw new Fail();
    }
    this.i += 1;
    if (token.type === 'number') {
      return { t: 'const', v: token.value! };
    }
    if (token.type === 'string') {
      let value = token.value!;
      while (this.tokens[this.i]?.type === 'string') {
        const next = this.tokens[this.i].value!;
        this.i += 1;
        value = concatenated(value, next);
      }
      return { t: 'const', v: value };
    }
    if (token.type === 'name') {
      if (token.text === 'True' || token.text === 'False') {
        return { t: 'const', v: { k: 'bool', b: token.text === 'True' } };
      }
      if (token.text === 'None') {
        return { t: 'const', v: { k: 'none' } };
      }
      if (KEYWORDS.has(token.text)) {
        throw new Fail();
      }
      return { t: 'name', id: token.text };
    }
    if (token.type !== 'op') {
      throw new Fail();
    }
    if (token.text === '...') {
      return { t: 'const', v: { k: 'ellipsis' } };
    }
    if (token.text === '(') {
      if (this.take(')')) {
        return seq([]);
      }
      const inner = this.exprList();
      if (this.isOp('for') || this.isOp(':=')) {
        throw new Fail();
      }
      this.expect(')');
      return inner;
    }
    if (token.text === '[') {
      const items: Node[] = [];
      while (!this.take(']')) {
        items.push(this.test());
        if (this.isOp('for')) {
          throw new Fail();
        }
        if (!this.take(',')) {
          this.expect(']');
          break;
        }
      }
      return seq(items);
    }
    if (token.text === '{') {
      while (!this.take('}')) {
        this.test();
        if (this.take(':')) {
          this.test();
        }
        if (this.isOp('for')) {
          throw new Fail();
        }
        if (!this.take(',')) {
          this.expect('}');
          break;
        }
      }
      return other();
    }
    throw new Fail();
  }
}

function seq(items: Node[]): Node {
  return {
    t: 'seq',
    items,
    assignable: items.length > 0 &&
      items.every(item => item.t === 'name' || (item.t !== 'const' && 'assignable' in item && item.assignable))
  };
}

function other(assignable = false): Node {
  return { t: 'other', assignable };
}

function concatenated(a: PyValue | 'not plain' | 'unsure', b: PyValue | 'not plain' | 'unsure'):
  PyValue | 'not plain' | 'unsure' {
  if (a === 'unsure' || b === 'unsure') {
    return 'unsure';
  }
  if (a === 'not plain' || b === 'not plain' || a.k !== 'str' || b.k !== 'str') {
    return 'not plain'; // bytes or f-strings in the join (their mixing is doubted elsewhere)
  }
  return { k: 'str', s: a.s + b.s };
}

/** One `name = value` statement at the top level of the cell. */
interface Assignment {
  name: string;
  reading: Reading;
  start: [number, number]; // line, column in the dedented cell
  end: [number, number];
  alone: boolean; // the only target: the statement can be rewritten in place
}

interface Reader {
  assignments: Assignment[];
  scan: Scan;
  margin: string;
  magicCell: boolean;
}

function statements(tokens: Token[]): Token[][][] {
  const lines: Token[][][] = [];
  let line: Token[][] = [[]];
  let depth = 0;
  for (const token of tokens) {
    if (token.type === 'newline') {
      lines.push(line);
      line = [[]];
      depth = 0;
      continue;
    }
    if (token.type === 'op' && '([{'.includes(token.text)) {
      depth += 1;
    } else if (token.type === 'op' && ')]}'.includes(token.text)) {
      depth -= 1;
    }
    if (token.type === 'op' && token.text === ';' && depth === 0) {
      line.push([]);
    } else {
      line[line.length - 1].push(token);
    }
  }
  return lines;
}

function splitAt(tokens: Token[], text: string): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const token of tokens) {
    if (token.type === 'op' && '([{'.includes(token.text)) {
      depth += 1;
    } else if (token.type === 'op' && ')]}'.includes(token.text)) {
      depth -= 1;
    }
    if (token.type === 'op' && token.text === text && depth === 0) {
      parts.push([]);
    } else {
      parts[parts.length - 1].push(token);
    }
  }
  return parts;
}

const AUGMENTED = ['+=', '-=', '*=', '/=', '//=', '%=', '**=', '@=', '&=', '|=', '^=', '>>=', '<<='];

function parses(tokens: Token[]): Node | undefined {
  try {
    return Expressions.parse(tokens);
  } catch (error) {
    if (error instanceof Fail || error instanceof RangeError) {
      return undefined;
    }
    throw error;
  }
}

/** Read one simple statement: its answer assignments, or whether it made the cell doubtful. */
function statement(tokens: Token[], scan: Scan, found: Assignment[]): void {
  const first = tokens[0];
  if (first.type === 'name' && KEYWORDS.has(first.text) && !['True', 'False', 'None'].includes(first.text)) {
    if (!(first.text === 'pass' && tokens.length === 1)) {
      scan.doubt = true;
    }
    return;
  }
  if (first.type === 'magic') {
    return; // `%magic` or `!shell` alone: a call
  }
  const augmented = tokens.findIndex(t => t.type === 'op' && AUGMENTED.includes(t.text));
  const parts = splitAt(tokens, '=');
  if (augmented >= 0 && parts.length === 1) {
    const target = parses(tokens.slice(0, augmented));
    const value = parses(tokens.slice(augmented + 1));
    if (!target || !value || !(target.t === 'name' || (target.t === 'other' && target.assignable))) {
      scan.doubt = true;
    }
    return;
  }
  const valueTokens = parts[parts.length - 1];
  if (parts.length > 1 && valueTokens.length === 0) {
    scan.broken = true; // `name =` and nothing after it
    return;
  }
  if (parts.length === 1) {
    // an expression statement, or an annotation without a value (`name: str`)
    const annotated = splitAt(tokens, ':');
    const fine = annotated.length === 2
      ? parses(annotated[0]) !== undefined && parses(annotated[1]) !== undefined
      : parses(tokens) !== undefined;
    scan.doubt = scan.doubt || !fine;
    return;
  }
  const magicValue = valueTokens.length === 1 && valueTokens[0].type === 'magic';
  const value = magicValue ? undefined : parses(valueTokens);
  if (!magicValue && !value) {
    scan.doubt = true;
  }
  const targets = parts.slice(0, -1);
  tooDeep = false;
  const reading: Reading = value ? toReading(evaluate(value)) : { state: 'unreadable' };
  scan.doubt = scan.doubt || tooDeep;
  const end = valueTokens[valueTokens.length - 1];
  for (const [index, target] of targets.entries()) {
    const annotation = splitAt(target, ':');
    let node: Node | undefined;
    if (annotation.length === 2 && targets.length === 1) {
      node = parses(annotation[0]);
      if (!parses(annotation[1])) {
        scan.doubt = true;
      }
    } else if (annotation.length === 1) {
      node = parses(target);
    }
    if (!node) {
      scan.doubt = true;
      continue;
    }
    if (node.t === 'name') {
      found.push({
        name: node.id,
        reading,
        start: [target[0].line, target[0].col],
        end: [end.endLine, end.endCol],
        alone: targets.length === 1 && index === 0
      });
    } else if (!((node.t === 'other' || node.t === 'seq') && node.assignable)) {
      scan.doubt = true; // `f() = 1`, `"a" = 1`: not a target Python accepts
    }
  }
}

// Pasted prompts, and a line ending in `?` (IPython's help, whatever else is on the line)
const PROMPT = /^[ \t]*(>>>|In \[\d+\]:|\.{3,}:)|\?[ \t]*$/m;

function read(source: string): Reader {
  const { lines, margin } = dedent(source.length > MAX_CELL ? '' : source);
  const scan: Scan = { tokens: [], broken: false, doubt: false, unsure: source.length > MAX_CELL };
  const firstLine = lines.find(line => line.trim()) ?? '';
  if (firstLine.startsWith('%%')) {
    return { assignments: [], scan, margin, magicCell: true };
  }
  if (PROMPT.test(lines.join('\n'))) {
    scan.unsure = true;
  }
  const scanned = new Scanner(lines, source.endsWith('\n')).run();
  Object.assign(scan, { tokens: scanned.tokens, broken: scanned.broken, doubt: scanned.doubt,
    unsure: scan.unsure || scanned.unsure });
  const found: Assignment[] = [];
  let opensBlock = false;
  for (const line of statements(scan.tokens)) {
    const head = line[0][0];
    if (head?.indented) {
      if (!opensBlock) {
        scan.broken = true; // unexpected indent
      }
      continue; // inside a block: never a top-level answer
    }
    const tail = line[line.length - 1];
    opensBlock = tail.length > 0 && tail[tail.length - 1].type === 'op' && tail[tail.length - 1].text === ':';
    if (head?.type === 'name' && KEYWORDS.has(head.text) && head.text !== 'pass' &&
      !['True', 'False', 'None'].includes(head.text)) {
      scan.doubt = true; // a compound or keyword statement: not checked here
      continue;
    }
    for (const [index, part] of line.entries()) {
      if (part.length === 0) {
        if (index !== line.length - 1 || line.length === 1) {
          scan.doubt = true;
        }
        continue;
      }
      statement(part, scan, found);
    }
  }
  return { assignments: found, scan, margin, magicCell: false };
}

/** The line pattern course/questions/reader.py's `unreadable_answers` looks for. */
function assignedByPattern(lines: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\w.])${escaped}\\s*(:[^=\\n]*)?=(?!=)`).test(lines);
}

/** What the marker reads for each of ``names`` in one cell's text. */
export function readAnswers(source: string, names: string[]): Map<string, Reading> {
  const result = new Map<string, Reading>();
  const cell = read(source);
  const text = dedent(source).lines.join('\n');
  const plainText = source.normalize('NFKC'); // names as Python compares them
  for (const name of names) {
    let reading: Reading;
    const ifBroken: Reading = assignedByPattern(text, name) ? { state: 'unreadable' } : { state: 'absent' };
    const last = [...cell.assignments].reverse().find(a => a.name === name);
    const ifParsed: Reading = last ? last.reading : { state: 'absent' };
    if (!plainText.includes(name) || cell.magicCell) {
      reading = { state: 'absent' };
    } else if (cell.scan.unsure) {
      reading = { state: 'unsure' };
    } else if (cell.scan.broken) {
      reading = ifBroken;
    } else if (cell.scan.doubt) {
      reading = same(ifBroken, ifParsed) ? ifParsed : { state: 'unsure' };
    } else {
      reading = ifParsed;
    }
    result.set(name, reading);
  }
  return result;
}

function same(a: Reading, b: Reading): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The value typed for ``name``, as a control can show it: `undefined` when nothing is
 * picked (no line, not a plain value, a value no control offers, or unsure), `null` for
 * the `...` placeholder.
 */
export function typedAnswer(source: string, name: string): Value | undefined {
  const reading = readAnswers(source, [name]).get(name)!;
  if (reading.state === 'not attempted') {
    return null;
  }
  if (reading.state !== 'value') {
    return undefined;
  }
  const value = reading.value;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  if (Array.isArray(value) && value.every(word => typeof word === 'string')) {
    return value as string[];
  }
  return undefined;
}

/**
 * ``source`` with ``name`` set to ``value``: the assignment the marker reads (the last) is
 * rewritten in place, its comment kept; with none that can be rewritten, the line is added
 * at the end, where it is the last assignment.
 */
export function withAnswer(source: string, name: string, value: Value): string {
  const line = `${name} = ${literal(value)}`;
  const cell = read(source);
  const last = [...cell.assignments].reverse().find(a => a.name === name);
  const original = source.split('\n');
  if (last && last.alone && !cell.scan.unsure && !cell.magicCell) {
    const cut = (at: [number, number]): number =>
      original.slice(0, at[0]).reduce((sum, text) => sum + text.length + 1, 0) +
      Math.min(at[1] + cell.margin.length, original[at[0]].length);
    return source.slice(0, cut(last.start)) + line + source.slice(cut(last.end));
  }
  const trimmed = source.replace(/\s+$/, '');
  return trimmed ? `${trimmed}\n${cell.margin}${line}` : line;
}
