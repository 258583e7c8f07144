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

/** Compiles once; call at module load or app build, never per request. */
export function compileSchema<T extends TSchema>(schema: T, location: Location): CompiledSchema<T> {
  const validator = Compile(schema);
  const converts = location !== 'body';
  return {
    schema,
    parse(value) {
      const candidate = converts ? validator.Convert(validator.Default(value)) : validator.Default(value);
      if (validator.Check(candidate)) return candidate as Static<T>;
      const seen = new Set<string>();
      const errors: FieldError[] = [];
      for (const error of validator.Errors(candidate)) {
        // anyOf/oneOf failures repeat every branch's errors; the branch-level summary is noise.
        if (error.keyword === 'anyOf' || error.keyword === 'oneOf') continue;
        // `additionalProperties: false` also reports each extra property as "schema is false"; the
        // additionalProperties error names the same field in words a client understands.
        if (error.keyword === 'boolean' && error.schemaPath.endsWith('/additionalProperties')) continue;
        for (const field of fieldOf(error.instancePath, error.keyword, error.params)) {
          const key = `${field}\u0000${error.keyword}`;
          if (seen.has(key)) continue;
          seen.add(key);
          errors.push({
            in: location,
            field: field || location,
            message: messageOf(error.keyword, error.message),
          });
          if (errors.length >= 20) break;
        }
      }
      if (errors.length === 0) errors.push({ in: location, field: location, message: 'is not valid' });
      throw AppError.validation(
        errors,
        `The request ${location === 'params' ? 'path' : location} is not valid.`,
      );
    },
  };
}

/** An object schema that rejects unknown fields: the guard against mass assignment. */
export const StrictObject = <T extends Parameters<typeof Type.Object>[0]>(
  properties: T,
  options: Parameters<typeof Type.Object>[1] = {},
) => Type.Object(properties, { additionalProperties: false, ...options });

export const headerOf = (ctx: Context, name: string): string | undefined => ctx.get(name) || undefined;
