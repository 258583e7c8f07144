import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * Plain JSON ⇄ DynamoDB attribute values (what @aws-sdk/util-dynamodb does, for the few types orders
 * need: strings, numbers, booleans, null, lists and maps). Numbers travel as decimal strings, so money
 * written as "99.97" reads back exactly.
 */
export function toAttribute(value: unknown): AttributeValue {
  if (value === null || value === undefined) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('DynamoDB numbers must be finite');
    return { N: String(value) };
  }
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(toAttribute) };
  if (typeof value === 'object') return { M: toItem(value as Record<string, unknown>) };
  throw new TypeError(`cannot store a ${typeof value} in DynamoDB`);
}

export function toItem(record: Record<string, unknown>): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(record)) if (value !== undefined) item[key] = toAttribute(value);
  return item;
}

export function fromAttribute(attribute: AttributeValue): unknown {
  if (attribute.S !== undefined) return attribute.S;
  if (attribute.N !== undefined) return Number(attribute.N);
  if (attribute.BOOL !== undefined) return attribute.BOOL;
  if (attribute.NULL !== undefined) return null;
  if (attribute.L !== undefined) return attribute.L.map(fromAttribute);
  if (attribute.M !== undefined) return fromItem(attribute.M);
  throw new TypeError(`unsupported DynamoDB attribute ${Object.keys(attribute).join(',')}`);
}

export function fromItem(item: Record<string, AttributeValue>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) record[key] = fromAttribute(value);
  return record;
}
