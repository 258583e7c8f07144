// Checks live responses against the OpenAPI documents the services serve: the status must be documented
// for the operation, the media type must be the documented one, and the body must match its schema.
import { Ajv2020 } from 'ajv/dist/2020.js';

// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document is arbitrary JSON, read by pointer
type Json = any;

export interface LiveResponse {
  method: string;
  /** The path as called, query string included. */
  path: string;
  status: number;
  contentType: string | null;
  text: string;
}

export interface Operation {
  key: string;
  operationId: string;
  pointer: string;
  operation: Json;
}

const pointerSegment = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

/** Every operation of a document, with a matcher of the concrete paths it serves. */
function operationsOf(name: string, document: Json) {
  const operations: Array<Operation & { method: string; matches: RegExp }> = [];
  for (const [template, item] of Object.entries<Json>(document.paths ?? {})) {
    const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
    for (const [method, operation] of Object.entries<Json>(item)) {
      operations.push({
        key: `${method.toUpperCase()} ${template}`,
        operationId: operation.operationId,
        method: method.toUpperCase(),
        matches: new RegExp(`^${pattern}$`),
        pointer: `${name}#/paths/${pointerSegment(template)}/${method}`,
        operation,
      });
    }
  }
  return operations;
}

export interface Contract {
  /** The problems of one response: empty when it is what the document says. */
  problemsOf(response: LiveResponse): string[];
  operationOf(method: string, path: string): Operation | undefined;
}

/** A contract from named documents (a service may serve more than one: public and internal). */
export function contractOf(documents: Record<string, Json>): Contract {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  ajv.addFormat('date-time', (text: string) =>
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text),
  );
  ajv.addFormat('email', /^[^\s@]+@[^\s@]+$/);
  const operations = Object.entries(documents).flatMap(([name, document]) => {
    ajv.addSchema(document, name);
    return operationsOf(name, document);
  });
  const operationOf = (method: string, path: string) =>
    operations.find(
      (candidate) => candidate.method === method && candidate.matches.test(path.split('?')[0]!),
    );

  return {
    operationOf,
    problemsOf({ method, path, status, contentType, text }) {
      const found = operationOf(method, path);
      if (!found) return [`${method} ${path}: no documented operation`];
      const response = found.operation.responses?.[String(status)];
      if (!response) return [`${found.key} answered ${status}, which it does not document`];
      const content = response.content as Record<string, Json> | undefined;
      if (!content)
        return text === ''
          ? []
          : [`${found.key} ${status}: documents no body, answered ${text.slice(0, 200)}`];
      const mediaType = (contentType ?? '').split(';')[0]!.trim();
      if (!(mediaType in content)) {
        return [
          `${found.key} ${status}: answered ${mediaType || 'no content type'}, documents ${Object.keys(content).join(', ')}`,
        ];
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return [`${found.key} ${status}: the body is not JSON: ${text.slice(0, 200)}`];
      }
      const validate =
        ajv.getSchema(`${found.pointer}/responses/${status}/content/${pointerSegment(mediaType)}/schema`) ??
        ajv.compile({
          $ref: `${found.pointer}/responses/${status}/content/${pointerSegment(mediaType)}/schema`,
        });
      if (validate(body)) return [];
      return (validate.errors ?? []).map(
        (error) =>
          `${found.key} ${status}: ${error.instancePath || '(body)'} ${error.message} (${JSON.stringify(error.params)})`,
      );
    },
  };
}

export interface Answer {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the text as sent. */
  body: unknown;
}

/**
 * Wraps a test client (the services' harness `Api`) so that every answer of a documented operation is
 * checked against the documents the service itself serves at `documentPaths`: a suite that drives a
 * use case to a status its route does not document fails on the spot. Paths no document has (probes,
 * unknown routes) pass unchecked.
 */
export function conforming<A extends { url: string }>(
  api: A,
  documentPaths: readonly string[] = ['/openapi.json'],
): A {
  let contract: Promise<Contract> | undefined;
  const load = async () =>
    contractOf(
      Object.fromEntries(
        await Promise.all(
          documentPaths.map(async (path) => [path, await (await fetch(`${api.url}${path}`)).json()] as const),
        ),
      ),
    );
  const wrapped = { ...api };
  for (const method of ['get', 'post', 'put', 'delete'] as const) {
    const original = (api as unknown as Record<string, (path: string, options?: unknown) => Promise<Answer>>)[
      method
    ];
    if (!original) continue;
    (wrapped as unknown as Record<string, unknown>)[method] = async (path: string, options?: unknown) => {
      const answer = await original(path, options);
      contract ??= load();
      const checked = await contract;
      if (!checked.operationOf(method.toUpperCase(), path)) return answer;
      const problems = checked.problemsOf({
        method: method.toUpperCase(),
        path,
        status: answer.status,
        contentType: answer.headers.get('content-type'),
        text: typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body),
      });
      if (problems.length)
        throw new Error(`the answer breaks the OpenAPI document:\n  ${problems.join('\n  ')}`);
      return answer;
    };
  }
  return wrapped;
}
