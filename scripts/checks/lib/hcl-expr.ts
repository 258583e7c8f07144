// A small evaluator of the Terraform expressions that @cdktf/hcl2json leaves as "${…}" strings: enough of
// HCL (templates, traversals, splats, arithmetic, comparisons, conditionals, tuples, objects, for
// expressions and a few functions) to compute a deployment's environment from its .tf files without
// Terraform. References are resolved by the caller: variables from tfvars, locals by evaluating them,
// resource attributes from the resource's own arguments or from sample values.

export type Value = null | string | number | boolean | Value[] | { [key: string]: Value } | Ref;

/** A reference whose attributes are resolved lazily (a resource, a data source, the `var` namespace). */
export class Ref {
  readonly label: string;
  readonly get: (name: string) => Value;
  constructor(label: string, get: (name: string) => Value) {
    this.label = label;
    this.get = get;
  }
}

export interface Scope {
  /** Resolves a root name (var, local, data, a resource type, each, count, path, …). */
  root(name: string): Value;
}

type Token =
  | { kind: 'num'; value: number }
  | { kind: 'str'; parts: Array<string | Node> }
  | { kind: 'ident'; value: string }
  | { kind: 'op'; value: string }
  | { kind: 'eof' };

type Node =
  | { type: 'lit'; value: Value }
  | { type: 'template'; parts: Array<string | Node> }
  | { type: 'root'; name: string }
  | { type: 'attr'; target: Node; name: string }
  | { type: 'index'; target: Node; index: Node }
  | { type: 'splat'; target: Node; rest: Array<{ attr?: string; index?: Node }> }
  | { type: 'call'; name: string; args: Node[]; expand: boolean }
  | { type: 'unary'; op: string; operand: Node }
  | { type: 'binary'; op: string; left: Node; right: Node }
  | { type: 'cond'; test: Node; then: Node; else: Node }
  | { type: 'tuple'; items: Node[] }
  | { type: 'object'; entries: Array<{ key: Node; value: Node }> }
  | {
      type: 'for';
      object: boolean;
      keyVar?: string;
      valueVar: string;
      collection: Node;
      key?: Node;
      value: Node;
      cond?: Node;
      group: boolean;
    };

const OPERATORS = ['==', '!=', '>=', '<=', '&&', '||', '=>', '...', '[*]', '.*', ...'+-*/%<>!?:.,()[]{}='];

/** Splits "a${x}b" into literal and expression source parts (the text inside each ${…}). */
export function splitTemplate(text: string): Array<{ literal: string } | { expr: string }> {
  const parts: Array<{ literal: string } | { expr: string }> = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      literal += '${';
      i += 3;
    } else if (text.startsWith('${', i)) {
      const end = matchingBrace(text, i + 1);
      if (literal) parts.push({ literal });
      literal = '';
      parts.push({ expr: text.slice(i + 2, end).replace(/^~|~$/g, '') });
      i = end + 1;
    } else {
      literal += text[i];
      i++;
    }
  }
  if (literal || parts.length === 0) parts.push({ literal });
  return parts;
}

/** Index of the `}` closing the `{` at `open`, skipping quoted strings and nested braces. */
function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      i = closingQuote(text, i);
    } else if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new Error(`unclosed \${ in ${JSON.stringify(text)}`);
}

function closingQuote(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text.startsWith('${', i)) i = matchingBrace(text, i + 1);
    else if (text[i] === '"') return i;
  }
  throw new Error(`unclosed string in ${JSON.stringify(text)}`);
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#' || source.startsWith('//', i)) {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (/[0-9]/.test(c)) {
      const match = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(source.slice(i))!;
      tokens.push({ kind: 'num', value: Number(match[0]) });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(source.slice(i))!;
      let word = match[0];
      // `a-b` is an identifier in HCL, but `x-1` in arithmetic is rarely written without spaces here;
      // keep HCL's rule except for a trailing hyphen.
      word = word.replace(/-+$/, '');
      tokens.push({ kind: 'ident', value: word });
      i += word.length;
    } else if (c === '"') {
      const end = closingQuote(source, i);
      const raw = source.slice(i + 1, end);
      const parts = splitTemplate(raw).map((part) =>
        'literal' in part ? unescapeString(part.literal) : parseExpression(part.expr),
      );
      tokens.push({ kind: 'str', parts });
      i = end + 1;
    } else {
      const op = OPERATORS.find((candidate) => source.startsWith(candidate, i));
      if (!op) throw new Error(`unexpected ${JSON.stringify(c)} in ${JSON.stringify(source)}`);
      tokens.push({ kind: 'op', value: op });
      i += op.length;
    }
  }
  tokens.push({ kind: 'eof' });
  return tokens;
}

const unescapeString = (text: string) =>
  text.replace(/\\(["\\nrt])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);

class Parser {
  readonly #tokens: Token[];
  #at = 0;
  readonly #source: string;
  constructor(source: string) {
    this.#source = source;
    this.#tokens = tokenize(source);
  }

  parse(): Node {
    const node = this.expression();
    if (this.#peek().kind !== 'eof') this.#fail('unexpected trailing input');
    return node;
  }

  #peek(offset = 0): Token {
    return this.#tokens[Math.min(this.#at + offset, this.#tokens.length - 1)]!;
  }

  #isOp(value: string, offset = 0): boolean {
    const token = this.#peek(offset);
    return token.kind === 'op' && token.value === value;
  }

  #isWord(value: string): boolean {
    const token = this.#peek();
    return token.kind === 'ident' && token.value === value;
  }

  #take(value: string): void {
    if (!this.#isOp(value)) this.#fail(`expected ${value}`);
    this.#at++;
  }

  #ident(): string {
    const token = this.#peek();
    if (token.kind !== 'ident') this.#fail('expected a name');
    this.#at++;
    return (token as { value: string }).value;
  }

  #fail(message: string): never {
    throw new Error(`${message} in expression ${JSON.stringify(this.#source)}`);
  }

  expression(): Node {
    const test = this.#binary(0);
    if (!this.#isOp('?')) return test;
    this.#at++;
    const then = this.expression();
    this.#take(':');
    return { type: 'cond', test, then, else: this.expression() };
  }

  static readonly levels = [
    ['||'],
    ['&&'],
    ['==', '!='],
    ['<', '>', '<=', '>='],
    ['+', '-'],
    ['*', '/', '%'],
  ];

  #binary(level: number): Node {
    if (level === Parser.levels.length) return this.#unary();
    let left = this.#binary(level + 1);
    for (;;) {
      const token = this.#peek();
      if (token.kind !== 'op' || !Parser.levels[level]!.includes(token.value)) return left;
      this.#at++;
      left = { type: 'binary', op: token.value, left, right: this.#binary(level + 1) };
    }
  }

  #unary(): Node {
    if (this.#isOp('!') || this.#isOp('-')) {
      const op = (this.#peek() as { value: string }).value;
      this.#at++;
      return { type: 'unary', op, operand: this.#unary() };
    }
    return this.#postfix(this.#primary());
  }

  #postfix(node: Node): Node {
    for (;;) {
      if (this.#isOp('.') && this.#peek(1).kind === 'ident') {
        this.#at++;
        node = { type: 'attr', target: node, name: this.#ident() };
      } else if (this.#isOp('.') && this.#peek(1).kind === 'num') {
        this.#at++;
        const token = this.#peek() as { value: number };
        this.#at++;
        node = { type: 'index', target: node, index: { type: 'lit', value: token.value } };
      } else if (this.#isOp('[*]') || this.#isOp('.*')) {
        this.#at++;
        node = { type: 'splat', target: node, rest: this.#splatSteps() };
      } else if (this.#isOp('[')) {
        node = { type: 'index', target: node, index: this.#bracketed() };
      } else return node;
    }
  }

  /** The `.name` and `[index]` steps after a splat, applied to each element. */
  #splatSteps(): Array<{ attr?: string; index?: Node }> {
    const rest: Array<{ attr?: string; index?: Node }> = [];
    for (;;) {
      if (this.#isOp('.') && this.#peek(1).kind === 'ident') {
        this.#at++;
        rest.push({ attr: this.#ident() });
      } else if (this.#isOp('[')) {
        rest.push({ index: this.#bracketed() });
      } else return rest;
    }
  }

  /** `[expression]`, at its opening bracket. */
  #bracketed(): Node {
    this.#take('[');
    const index = this.expression();
    this.#take(']');
    return index;
  }

  #primary(): Node {
    const token = this.#peek();
    if (token.kind === 'num') {
      this.#at++;
      return { type: 'lit', value: token.value };
    }
    if (token.kind === 'str') {
      this.#at++;
      return { type: 'template', parts: token.parts };
    }
    if (token.kind === 'ident') {
      this.#at++;
      return this.#named(token.value);
    }
    if (this.#isOp('(')) {
      this.#at++;
      const inner = this.expression();
      this.#take(')');
      return inner;
    }
    if (this.#isOp('[')) return this.#tuple();
    if (this.#isOp('{')) return this.#object();
    return this.#fail('unexpected token');
  }

  /** After an identifier: a keyword literal, a function call, or a root reference. */
  #named(name: string): Node {
    if (name === 'true' || name === 'false') return { type: 'lit', value: name === 'true' };
    if (name === 'null') return { type: 'lit', value: null };
    if (this.#isOp('(')) return this.#call(name);
    return { type: 'root', name };
  }

  /** `name(arg, …)`, at the opening parenthesis; a trailing `...` expands the last argument. */
  #call(name: string): Node {
    this.#take('(');
    const args: Node[] = [];
    let expand = false;
    while (!this.#isOp(')')) {
      args.push(this.expression());
      if (this.#isOp('...')) {
        this.#at++;
        expand = true;
      }
      if (this.#isOp(',')) this.#at++;
      else break;
    }
    this.#take(')');
    return { type: 'call', name, args, expand };
  }

  #forHeader(): { keyVar?: string; valueVar: string; collection: Node } {
    this.#at++; // for
    const first = this.#ident();
    let keyVar: string | undefined;
    let valueVar = first;
    if (this.#isOp(',')) {
      this.#at++;
      keyVar = first;
      valueVar = this.#ident();
    }
    if (!this.#isWord('in')) this.#fail('expected in');
    this.#at++;
    const collection = this.expression();
    this.#take(':');
    return { ...(keyVar === undefined ? {} : { keyVar }), valueVar, collection };
  }

  #tuple(): Node {
    this.#take('[');
    if (this.#isWord('for')) {
      const header = this.#forHeader();
      const value = this.expression();
      const cond = this.#forCondition();
      this.#take(']');
      return { type: 'for', object: false, ...header, value, ...(cond && { cond }), group: false };
    }
    const items: Node[] = [];
    while (!this.#isOp(']')) {
      items.push(this.expression());
      if (this.#isOp(',')) this.#at++;
    }
    this.#take(']');
    return { type: 'tuple', items };
  }

  #forCondition(): Node | undefined {
    if (!this.#isWord('if')) return undefined;
    this.#at++;
    return this.expression();
  }

  #object(): Node {
    this.#take('{');
    if (this.#isWord('for')) {
      const header = this.#forHeader();
      const key = this.expression();
      this.#take('=>');
      const value = this.expression();
      let group = false;
      if (this.#isOp('...')) {
        this.#at++;
        group = true;
      }
      const cond = this.#forCondition();
      this.#take('}');
      return { type: 'for', object: true, ...header, key, value, ...(cond && { cond }), group };
    }
    const entries: Array<{ key: Node; value: Node }> = [];
    while (!this.#isOp('}')) {
      const token = this.#peek();
      let key: Node;
      if (token.kind === 'ident' && (this.#isOp('=', 1) || this.#isOp(':', 1))) {
        this.#at++;
        key = { type: 'lit', value: token.value };
      } else {
        key = this.expression();
      }
      if (this.#isOp('=') || this.#isOp(':')) this.#at++;
      else this.#fail('expected = in object');
      entries.push({ key, value: this.expression() });
      if (this.#isOp(',')) this.#at++;
    }
    this.#take('}');
    return { type: 'object', entries };
  }
}

const cache = new Map<string, Node>();

export function parseExpression(source: string): Node {
  let node = cache.get(source);
  if (!node) {
    node = new Parser(source).parse();
    cache.set(source, node);
  }
  return node;
}

// --- evaluation

export class Unknown extends Error {}

function str(value: Value): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Ref) throw new Error(`${value.label} is not a string`);
  throw new Error(`cannot use ${JSON.stringify(value)} as a string`);
}

function num(value: Value): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || Number.isNaN(n)) throw new Error(`${JSON.stringify(value)} is not a number`);
  return n;
}

function truthy(value: Value): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new Error(`${JSON.stringify(value)} is not a bool`);
}

function attrOf(target: Value, name: string): Value {
  if (target instanceof Ref) return target.get(name);
  if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
    if (!(name in target))
      throw new Error(`no attribute "${name}" in ${JSON.stringify(Object.keys(target))}`);
    return target[name]!;
  }
  if (Array.isArray(target) && target.length === 1) return attrOf(target[0]!, name);
  throw new Error(`cannot read .${name} of ${JSON.stringify(target)}`);
}

function indexOf(target: Value, index: Value): Value {
  if (Array.isArray(target)) {
    const i = num(index);
    if (i >= target.length) throw new Error(`index ${i} out of range`);
    return target[i]!;
  }
  return attrOf(target, str(index));
}

const functions: Record<string, (...args: Value[]) => Value> = {
  merge: (...maps) => Object.assign({}, ...maps.filter((map) => map !== null)),
  concat: (...lists) => (lists as Value[][]).flat(),
  tostring: (value) => str(value),
  tonumber: (value) => num(value),
  lower: (value) => str(value).toLowerCase(),
  upper: (value) => str(value).toUpperCase(),
  replace: (value, search, replacement) => str(value).split(str(search)).join(str(replacement)),
  trimsuffix: (value, suffix) =>
    str(value).endsWith(str(suffix)) ? str(value).slice(0, -str(suffix).length) : str(value),
  trimprefix: (value, prefix) =>
    str(value).startsWith(str(prefix)) ? str(value).slice(str(prefix).length) : str(value),
  join: (separator, list) => (list as Value[]).map(str).join(str(separator)),
  split: (separator, value) => str(value).split(str(separator)),
  format: (spec, ...args) => {
    let i = 0;
    return str(spec).replace(/%[sd%]/g, (token) => (token === '%%' ? '%' : str(args[i++] ?? null)));
  },
  coalesce: (...values) => values.find((value) => value !== null && value !== '') ?? null,
  one: (list) => {
    const items = list as Value[];
    if (items.length > 1) throw new Error('one() of more than one element');
    return items[0] ?? null;
  },
  length: (value) =>
    Array.isArray(value)
      ? value.length
      : typeof value === 'string'
        ? value.length
        : Object.keys(value as object).length,
  slice: (list, start, end) => (list as Value[]).slice(num(start), num(end)),
  substr: (value, offset, length) => str(value).substr(num(offset), num(length)),
  toset: (list) => [...new Set(list as Value[])],
  tolist: (list) => list,
  keys: (map) => Object.keys(map as object),
  values: (map) => Object.values(map as object),
  contains: (list, value) => (list as Value[]).includes(value),
  lookup: (map, key, fallback) => (map as Record<string, Value>)[str(key)] ?? fallback ?? null,
  jsonencode: (value) => value, // kept as a structure: callers read container definitions from it
  sha1: (value) => `sha1-${str(value).length}`,
  can: () => true,
  cidrsubnet: (prefix, newbits, netnum) => `${str(prefix)}+${str(newbits)}/${str(netnum)}`,
  base64encode: (value) => Buffer.from(str(value)).toString('base64'),
};

export function evaluate(node: Node, scope: Scope): Value {
  switch (node.type) {
    case 'lit':
      return node.value;
    case 'template':
      return evaluateTemplate(node, scope);
    case 'root':
      return scope.root(node.name);
    case 'attr':
      return attrOf(evaluate(node.target, scope), node.name);
    case 'index':
      return indexOf(evaluate(node.target, scope), evaluate(node.index, scope));
    case 'splat':
      return evaluateSplat(node, scope);
    case 'call':
      return evaluateCall(node, scope);
    case 'unary': {
      const operand = evaluate(node.operand, scope);
      return node.op === '!' ? !truthy(operand) : -num(operand);
    }
    case 'binary':
      return evaluateBinary(node, scope);
    case 'cond':
      return truthy(evaluate(node.test, scope)) ? evaluate(node.then, scope) : evaluate(node.else, scope);
    case 'tuple':
      return node.items.map((item) => evaluate(item, scope));
    case 'object':
      return Object.fromEntries(
        node.entries.map(({ key, value }) => [str(evaluate(key, scope)), evaluate(value, scope)]),
      );
    case 'for':
      return evaluateFor(node, scope);
  }
}

type NodeOf<T extends Node['type']> = Extract<Node, { type: T }>;

/** A template that is one interpolation alone keeps its value's type, as in Terraform. */
function evaluateTemplate(node: NodeOf<'template'>, scope: Scope): Value {
  if (node.parts.length === 1 && typeof node.parts[0] !== 'string') return evaluate(node.parts[0]!, scope);
  return node.parts.map((part) => (typeof part === 'string' ? part : str(evaluate(part, scope)))).join('');
}

/** A splat over null is empty and over a single value is that value as a one-element list. */
function evaluateSplat(node: NodeOf<'splat'>, scope: Scope): Value {
  const target = evaluate(node.target, scope);
  const list = Array.isArray(target) ? target : target === null ? [] : [target];
  return list.map((item) =>
    node.rest.reduce<Value>(
      (value, step) =>
        step.attr === undefined ? indexOf(value, evaluate(step.index!, scope)) : attrOf(value, step.attr),
      item,
    ),
  );
}

function evaluateCall(node: NodeOf<'call'>, scope: Scope): Value {
  const fn = functions[node.name];
  if (!fn) throw new Unknown(`function ${node.name}() is not supported by the checker`);
  let args = node.args.map((arg) => evaluate(arg, scope));
  if (node.expand) args = [...args.slice(0, -1), ...(args.at(-1) as Value[])];
  return fn(...args);
}

/** The operators that evaluate both sides; `%` is the one left (the parser knows no others). */
const BINARY: Record<string, (left: Value, right: Value) => Value> = {
  '==': (left, right) => JSON.stringify(left) === JSON.stringify(right),
  '!=': (left, right) => JSON.stringify(left) !== JSON.stringify(right),
  '<': (left, right) => num(left) < num(right),
  '>': (left, right) => num(left) > num(right),
  '<=': (left, right) => num(left) <= num(right),
  '>=': (left, right) => num(left) >= num(right),
  '+': (left, right) => num(left) + num(right),
  '-': (left, right) => num(left) - num(right),
  '*': (left, right) => num(left) * num(right),
  '/': (left, right) => num(left) / num(right),
};

const remainder = (left: Value, right: Value): Value => num(left) % num(right);

function evaluateBinary(node: NodeOf<'binary'>, scope: Scope): Value {
  const left = evaluate(node.left, scope);
  // && and || short-circuit: the right side is evaluated only when it decides.
  if (node.op === '&&') return truthy(left) && truthy(evaluate(node.right, scope));
  if (node.op === '||') return truthy(left) || truthy(evaluate(node.right, scope));
  return (BINARY[node.op] ?? remainder)(left, evaluate(node.right, scope));
}

/** `[for k, v in c : value if cond]` and `{for k, v in c : key => value if cond}`. */
function evaluateFor(node: NodeOf<'for'>, scope: Scope): Value {
  const collection = evaluate(node.collection, scope);
  const entries: Array<[Value, Value]> = Array.isArray(collection)
    ? collection.map((value, index) => [index, value])
    : Object.entries(collection as Record<string, Value>);
  const out: Array<[Value, Value]> = [];
  for (const [key, value] of entries) {
    const inner: Scope = {
      root: (name) => (name === node.valueVar ? value : name === node.keyVar ? key : scope.root(name)),
    };
    if (node.cond && !truthy(evaluate(node.cond, inner))) continue;
    out.push([node.key ? evaluate(node.key, inner) : null, evaluate(node.value, inner)]);
  }
  return node.object
    ? Object.fromEntries(out.map(([key, value]) => [str(key), value]))
    : out.map(([, value]) => value);
}

/** Evaluates a value as hcl2json produced it: strings may hold templates, lists and maps recurse. */
export function evaluateValue(value: unknown, scope: Scope): Value {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    const parts = splitTemplate(value);
    const [only] = parts;
    if (parts.length === 1 && only && 'expr' in only) return evaluate(parseExpression(only.expr), scope);
    return parts
      .map((part) => ('literal' in part ? part.literal : str(evaluate(parseExpression(part.expr), scope))))
      .join('');
  }
  if (Array.isArray(value)) return value.map((item) => evaluateValue(item, scope));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, evaluateValue(item, scope)]));
  }
  return value as Value;
}

/** Every expression source inside the ${…} of a hcl2json value, recursively. */
export function expressionsIn(value: unknown): string[] {
  if (typeof value === 'string') {
    return splitTemplate(value).flatMap((part) =>
      'expr' in part ? [withoutStrings(part.expr), ...nestedExpressions(part.expr)] : [],
    );
  }
  if (Array.isArray(value)) return value.flatMap(expressionsIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(expressionsIn);
  return [];
}

/** The expression with its string literals emptied: names inside quotes are not references. */
function withoutStrings(expr: string): string {
  let out = '';
  for (let i = 0; i < expr.length; i++) {
    if (expr[i] === '"') {
      const end = closingQuote(expr, i);
      out += '""';
      i = end;
    } else out += expr[i];
  }
  return out;
}

/** Templates inside string literals of an expression ("a-${var.x}") hold expressions too. */
function nestedExpressions(expr: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < expr.length; i++) {
    if (expr[i] === '"') {
      const end = closingQuote(expr, i);
      out.push(...expressionsIn(expr.slice(i + 1, end)));
      i = end;
    }
  }
  return out;
}
