import type { Context } from 'koa';
import Type, { type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { AppError, type FieldError } from './errors.ts';

export type Location = 'body' | 'query' | 'params' | 'headers';

/** `/items/0/quantity` → `items[0].quantity`; the unknown property itself for additionalProperties. */
function fieldOf(instancePath: string, keyword: string, params: object): string[] {
  const base = instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
  if (keyword === 'additionalProperties') {
    const extra = (params as { additionalProperties?: string[] }).additionalProperties ?? [];
    return extra.map((name) => (base ? `${base}.${name}` : name));
  }
  if (keyword === 'required') {
    const missing = (params as { requiredProperties?: string[] }).requiredProperties ?? [];
    return missing.map((name) => (base ? `${base}.${name}` : name));
  }
  return [base];
}

const messageOf = (keyword: string, message: string): string => {
  if (keyword === 'additionalProperties') return 'is not a known field';
  if (keyword === 'required') return 'is required';
  return message;
};

export interface CompiledSchema<T extends TSchema> {
  schema: T;
  /** Validates (and, for query/params/headers, converts strings) or throws a 400 naming each bad field. */
  parse(value: unknown): Static<T>;
}

/**
 * A validator for one schema, compiled on its first use and kept: never per request. Compiling at the
 * first use rather than at app build keeps code generation off the cold start (a fresh instance
 * compiles only the routes it is asked for); the schemas are still checked by every route's tests.
 */
export function compileSchema<T extends TSchema>(schema: T, location: Location): CompiledSchema<T> {
  let compiled: Validator<T> | undefined;
  return {
    schema,
    parse(value) {
      compiled ??= Compile(schema);
      return validated(compiled, schema, location, value);
    },
  };
}

type Validator<T extends TSchema> = ReturnType<typeof Compile<T>>;

/** The value as the schema reads it (converted and defaulted), or a 400 naming each bad field. */
function validated<T extends TSchema>(
  validator: Validator<T>,
  schema: T,
  location: Location,
  value: unknown,
): Static<T> {
  const hostile = hostileShape(value, location);
  if (hostile) throw AppError.validation([hostile], invalidMessage(location));
  const converts = location !== 'body';
  // Checked before Convert, which reads "1.5" as 1 and "0x10" as 16.
  const loose = converts ? looseNumerals(schema, value, location) : [];
  const candidate = converts ? validator.Convert(validator.Default(value)) : validator.Default(value);
  if (!validator.Check(candidate)) {
    throw AppError.validation(schemaErrors(validator, candidate, location, loose), invalidMessage(location));
  }
  const unfit = [...loose, ...unstorableText(candidate, location, '')];
  if (unfit.length === 0) return candidate as Static<T>;
  throw AppError.validation(unfit, invalidMessage(location));
}

/** Roughly how many errors a 400 names: a body with thousands of bad fields gets a sample, not thousands. */
const MAX_ERRORS = 20;

/** typebox's errors for a value that failed Check, deduplicated and in a client's words, after `loose`. */
function schemaErrors<T extends TSchema>(
  validator: Validator<T>,
  candidate: unknown,
  location: Location,
  loose: FieldError[],
): FieldError[] {
  const seen = new Set<string>();
  const errors: FieldError[] = [...loose];
  for (const error of validator.Errors(candidate)) {
    if (isNoise(error)) continue;
    addFieldErrors(errors, seen, loose, error, location);
  }
  if (errors.length === 0) errors.push({ in: location, field: location, message: 'is not valid' });
  return errors;
}

type SchemaError = {
  keyword: string;
  schemaPath: string;
  instancePath: string;
  params: object;
  message: string;
};

const isNoise = (error: SchemaError): boolean =>
  // anyOf/oneOf failures repeat every branch's errors; the branch-level summary is noise.
  error.keyword === 'anyOf' ||
  error.keyword === 'oneOf' ||
  // `additionalProperties: false` also reports each extra property as "schema is false"; the
  // additionalProperties error names the same field in words a client understands.
  (error.keyword === 'boolean' && error.schemaPath.endsWith('/additionalProperties'));

/** One error per field it names, unless that field and keyword, or a loose numeral there, was already said. */
function addFieldErrors(
  errors: FieldError[],
  seen: Set<string>,
  loose: FieldError[],
  error: SchemaError,
  location: Location,
): void {
  for (const field of fieldOf(error.instancePath, error.keyword, error.params)) {
    const key = `${field}\u0000${error.keyword}`;
    if (seen.has(key) || loose.some((named) => named.field === field)) continue;
    seen.add(key);
    errors.push({ in: location, field: field || location, message: messageOf(error.keyword, error.message) });
    if (errors.length >= MAX_ERRORS) return;
  }
}

const invalidMessage = (location: Location) =>
  `The request ${location === 'params' ? 'path' : location} is not valid.`;

/** Far deeper than any request schema goes (an order line is three levels down). */
const MAX_DEPTH = 32;

/**
 * What must be refused before any library walks the raw value: nesting deeper than any schema (typebox
 * clones recursively, so depth alone could overflow the stack), and an own `__proto__` key (typebox's
 * clone drops it, so additionalProperties never sees it). Iterative, so a hostile value cannot overflow
 * the stack here either.
 */
function hostileShape(value: unknown, location: Location): FieldError | undefined {
  const pending: Array<[unknown, number, string]> = [[value, 0, '']];
  while (pending.length) {
    const [current, depth, path] = pending.pop()!;
    if (current === null || typeof current !== 'object') continue;
    const hostile = hostileNode(current, depth, path, location);
    if (hostile) return hostile;
    const isArray = Array.isArray(current);
    for (const [key, child] of Object.entries(current)) {
      pending.push([child, depth + 1, childPath(path, key, isArray)]);
    }
  }
  return undefined;
}

/** Too deep, or an object with an own `__proto__` key; its children are not looked at here. */
function hostileNode(
  current: object,
  depth: number,
  path: string,
  location: Location,
): FieldError | undefined {
  if (depth >= MAX_DEPTH) {
    return { in: location, field: location, message: `is nested more than ${MAX_DEPTH} levels deep` };
  }
  if (!Array.isArray(current) && Object.hasOwn(current, '__proto__')) {
    return { in: location, field: childPath(path, '__proto__', false), message: 'is not a known field' };
  }
  return undefined;
}

const childPath = (path: string, key: string, isArray: boolean): string =>
  isArray ? `${path}[${key}]` : path ? `${path}.${key}` : key;

const DECIMAL = { integer: /^-?\d+$/, number: /^-?\d+(\.\d+)?$/ } as const;

/** Numbers in a query, path or header must be written as plain decimals: no fractions for integers, no hex, no exponents. */
function looseNumerals(schema: TSchema, value: unknown, location: Location): FieldError[] {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties;
  if (!properties || !value || typeof value !== 'object') return [];
  return Object.entries(properties).flatMap(([name, property]) => {
    const text = (value as Record<string, unknown>)[name];
    const pattern =
      property.type === 'integer' || property.type === 'number' ? DECIMAL[property.type] : undefined;
    return pattern && typeof text === 'string' && !pattern.test(text)
      ? [{ in: location, field: name, message: `must be a decimal ${property.type}` }]
      : [];
  });
}

/**
 * Text no store keeps as sent: NUL (PostgreSQL refuses it, others cut or choke on it) and unpaired
 * surrogates (not Unicode: written as U+FFFD, or refused). Walks a value its schema already bounded.
 */
function unstorableText(value: unknown, location: Location, path: string): FieldError[] {
  if (typeof value === 'string') {
    return value.includes('\u0000') || !value.isWellFormed()
      ? [{ in: location, field: path || location, message: 'must be Unicode text without NUL characters' }]
      : [];
  }
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => unstorableText(item, location, `${path}[${index}]`));
  }
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) =>
      unstorableText(item, location, path ? `${path}.${key}` : key),
    );
  }
  return [];
}

/** An object schema that rejects unknown fields: the guard against mass assignment. */
export const StrictObject = <T extends Parameters<typeof Type.Object>[0]>(
  properties: T,
  options: Parameters<typeof Type.Object>[1] = {},
) => Type.Object(properties, { additionalProperties: false, ...options });

export const headerOf = (ctx: Context, name: string): string | undefined => ctx.get(name) || undefined;
