import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { fromMinor, type TenantId, toMinor } from '@shop/platform';
import type { Address, Order, OrderLine, OrderStatus, StatusChange } from '../../domain/order.ts';
import type {
  IdempotencyRecord,
  ListQuery,
  OrderPage,
  OrderStore,
  StatusUpdate,
} from '../../domain/ports.ts';
import { placedOrderOf, placedOrderToJson } from '../placed-order.ts';
import { fromItem, toAttribute, toItem } from './attribute-values.ts';
import { GSI } from './table.ts';

/** Customer ids and keys come from outside: encoded so that a `#` in them cannot forge another key. */
const part = (value: string) => encodeURIComponent(value);

const orderKey = (tenantId: string, orderId: string) => ({
  PK: { S: `TENANT#${tenantId}#ORDER#${orderId}` },
  SK: { S: 'ORDER' },
});
const idempotencyKey = (tenantId: string, customerId: string, key: string) => ({
  PK: { S: `TENANT#${tenantId}#CUSTOMER#${part(customerId)}#IDEMPOTENCY#${part(key)}` },
  SK: { S: 'IDEMPOTENCY' },
});
const customerPartition = (tenantId: string, customerId: string) =>
  `TENANT#${tenantId}#CUSTOMER#${part(customerId)}`;
const tenantPartition = (tenantId: string) => `TENANT#${tenantId}`;
const statusPartition = (tenantId: string, status: OrderStatus) => `TENANT#${tenantId}#STATUS#${status}`;
/** Newest first is descending (created_at, order_id): ISO times and UUIDs are fixed-width, so they sort as text. */
const sortKey = (createdAt: string, orderId: string) => `${createdAt}#${orderId}`;

const isConditionFailure = (error: unknown) =>
  (error as { name?: string }).name === 'ConditionalCheckFailedException';

/**
 * Orders in one DynamoDB table (seed 004's attribute names: order_id, customer_id, order_date,
 * order_status, total_amount, shipping_address, items; plus tenant_id). Keys carry the tenant:
 * - order:       PK `TENANT#t#ORDER#id`, SK `ORDER`
 * - GSI1 (a customer's orders, newest first): `TENANT#t#CUSTOMER#c` / `order_date#order_id`
 * - GSI2 (the tenant's orders, newest first): `TENANT#t` / `order_date#order_id`
 * - GSI3 (the tenant's orders in one status): `TENANT#t#STATUS#s` / `order_date#order_id`
 * - idempotency: PK `TENANT#t#CUSTOMER#c#IDEMPOTENCY#key`, SK `IDEMPOTENCY`, TTL attribute `expires_at`.
 * Claims, completions and status changes are conditional writes.
 */
export class DynamoDbOrderStore implements OrderStore {
  readonly engine = 'dynamodb';
  readonly #client: DynamoDBClient;
  readonly #table: string;

  constructor(client: DynamoDBClient, table: string) {
    this.#client = client;
    this.#table = table;
  }

  async create(order: Order): Promise<void> {
    await this.#client.send(
      new PutItemCommand({
        TableName: this.#table,
        Item: { ...orderKey(order.tenantId, order.orderId), ...toItem(this.#orderAttributes(order)) },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  }

  async get(tenantId: TenantId, orderId: string): Promise<Order | undefined> {
    const { Item } = await this.#client.send(
      new GetItemCommand({ TableName: this.#table, Key: orderKey(tenantId, orderId), ConsistentRead: true }),
    );
    return Item ? orderOf(Item) : undefined;
  }

  async list(tenantId: TenantId, query: ListQuery): Promise<OrderPage> {
    const [index, partition] =
      query.customerId !== undefined
        ? [GSI.customer, customerPartition(tenantId, query.customerId)]
        : query.status !== undefined
          ? [GSI.status, statusPartition(tenantId, query.status)]
          : [GSI.tenant, tenantPartition(tenantId)];
    const names: Record<string, string> = { '#pk': index.partitionKey };
    const values: Record<string, AttributeValue> = { ':pk': { S: partition } };
    let condition = '#pk = :pk';
    if (query.after) {
      condition += ' AND #sk < :after';
      names['#sk'] = index.sortKey;
      values[':after'] = { S: sortKey(query.after.createdAt, query.after.orderId) };
    }
    const input: QueryCommandInput = {
      TableName: this.#table,
      IndexName: index.name,
      KeyConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
    };
    if (query.customerId !== undefined && query.status !== undefined) {
      input.FilterExpression = '#status = :status';
      names['#status'] = 'order_status';
      values[':status'] = { S: query.status };
    }

    // DynamoDB has no OFFSET: skip `offset` orders while paging through the index.
    const wanted = query.offset + query.limit + 1;
    const found: Array<Record<string, AttributeValue>> = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.#client.send(
        new QueryCommand({
          ...input,
          Limit: Math.min(1000, wanted - found.length),
          ExclusiveStartKey: start,
        }),
      );
      found.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start && found.length < wanted);
    const window = found.slice(query.offset, wanted);
    return { orders: window.slice(0, query.limit).map(orderOf), hasMore: window.length > query.limit };
  }

  async updateStatus(
    tenantId: TenantId,
    orderId: string,
    expectedVersion: number,
    change: StatusChange,
  ): Promise<StatusUpdate> {
    try {
      const { Attributes } = await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: orderKey(tenantId, orderId),
          ConditionExpression: 'attribute_exists(PK) AND #version = :expected',
          UpdateExpression:
            'SET #status = :to, #version = :next, #updated = :at, #history = list_append(#history, :change), #gsi3pk = :gsi3pk',
          ExpressionAttributeNames: {
            '#status': 'order_status',
            '#version': 'version',
            '#updated': 'updated_at',
            '#history': 'status_history',
            '#gsi3pk': GSI.status.partitionKey,
          },
          ExpressionAttributeValues: {
            ':expected': { N: String(expectedVersion) },
            ':next': { N: String(expectedVersion + 1) },
            ':to': { S: change.to },
            ':at': { S: change.at },
            ':change': { L: [toAttribute(changeAttributes(change))] },
            ':gsi3pk': { S: statusPartition(tenantId, change.to) },
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { outcome: 'updated', order: orderOf(Attributes ?? {}) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return (await this.get(tenantId, orderId)) ? { outcome: 'version_conflict' } : { outcome: 'not_found' };
    }
  }

  async insertIdempotency(record: IdempotencyRecord): Promise<boolean> {
    try {
      await this.#putIdempotency(record, 'attribute_not_exists(PK)', {});
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async getIdempotency(
    tenantId: TenantId,
    customerId: string,
    key: string,
  ): Promise<IdempotencyRecord | undefined> {
    const { Item } = await this.#client.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: idempotencyKey(tenantId, customerId, key),
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    const item = fromItem(Item);
    return {
      tenantId,
      customerId,
      key,
      requestHash: String(item.request_hash),
      claimToken: String(item.claim_token),
      state: item.state === 'completed' ? 'completed' : 'in_progress',
      orderId: String(item.order_id),
      placed: typeof item.response === 'string' ? placedOrderOf(item.response) : null,
      createdAt: String(item.created_at),
      expiresAt: new Date(Number(item.expires_at) * 1000).toISOString(),
    };
  }

  async replaceIdempotency(record: IdempotencyRecord, expectedToken: string): Promise<boolean> {
    try {
      await this.#putIdempotency(record, 'claim_token = :token', { ':token': { S: expectedToken } });
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async deleteIdempotency(
    tenantId: TenantId,
    customerId: string,
    key: string,
    expectedToken: string,
  ): Promise<void> {
    try {
      await this.#client.send(
        new DeleteItemCommand({
          TableName: this.#table,
          Key: idempotencyKey(tenantId, customerId, key),
          ConditionExpression: 'claim_token = :token',
          ExpressionAttributeValues: { ':token': { S: expectedToken } },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async ping(): Promise<void> {
    await this.#client.send(
      new GetItemCommand({ TableName: this.#table, Key: { PK: { S: 'PING' }, SK: { S: 'PING' } } }),
    );
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }

  async #putIdempotency(
    record: IdempotencyRecord,
    condition: string,
    values: Record<string, AttributeValue>,
  ): Promise<void> {
    await this.#client.send(
      new PutItemCommand({
        TableName: this.#table,
        Item: {
          ...idempotencyKey(record.tenantId, record.customerId, record.key),
          ...toItem({
            entity: 'idempotency_key',
            tenant_id: record.tenantId,
            customer_id: record.customerId,
            idempotency_key: record.key,
            request_hash: record.requestHash,
            claim_token: record.claimToken,
            state: record.state,
            order_id: record.orderId,
            response: placedOrderToJson(record.placed) ?? undefined,
            created_at: record.createdAt,
            // The table's TTL attribute: epoch seconds. DynamoDB deletes expired items within days,
            // so readers also compare it themselves.
            expires_at: Math.ceil(Date.parse(record.expiresAt) / 1000),
          }),
        },
        ConditionExpression: condition,
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
      }),
    );
  }

  #orderAttributes(order: Order): Record<string, unknown> {
    const position = sortKey(order.createdAt, order.orderId);
    return {
      entity: 'order',
      [GSI.customer.partitionKey]: customerPartition(order.tenantId, order.customerId),
      [GSI.customer.sortKey]: position,
      [GSI.tenant.partitionKey]: tenantPartition(order.tenantId),
      [GSI.tenant.sortKey]: position,
      [GSI.status.partitionKey]: statusPartition(order.tenantId, order.status),
      [GSI.status.sortKey]: position,
      tenant_id: order.tenantId,
      order_id: order.orderId,
      customer_id: order.customerId,
      customer_name: order.customerName,
      customer_email: order.customerEmail,
      customer_phone: order.customerPhone,
      shipping_address: order.shippingAddress,
      billing_address: order.billingAddress,
      notes: order.notes,
      order_status: order.status,
      items: order.items.map((item) => ({
        product_id: item.productId,
        product_sku: item.productSku,
        product_name: item.productName,
        quantity: item.quantity,
        unit_price: fromMinor(item.unitPrice),
        line_total: fromMinor(item.lineTotal),
      })),
      total_amount: fromMinor(order.total),
      currency: order.currency,
      order_date: order.createdAt,
      created_at: order.createdAt,
      updated_at: order.updatedAt,
      created_by: order.createdBy,
      created_by_email: order.createdByEmail,
      version: order.version,
      status_history: order.statusHistory.map(changeAttributes),
    };
  }
}

const changeAttributes = (change: StatusChange) => ({
  from: change.from,
  to: change.to,
  at: change.at,
  by: change.by,
  by_email: change.byEmail,
  reason: change.reason,
});

const text = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

function orderOf(attributes: Record<string, AttributeValue>): Order {
  const item = fromItem(attributes);
  return {
    orderId: String(item.order_id),
    tenantId: String(item.tenant_id),
    customerId: String(item.customer_id),
    customerName: text(item.customer_name),
    customerEmail: text(item.customer_email),
    customerPhone: text(item.customer_phone),
    shippingAddress: item.shipping_address as Address,
    billingAddress: (item.billing_address ?? null) as Address | null,
    notes: text(item.notes),
    status: item.order_status as OrderStatus,
    items: (item.items as Array<Record<string, unknown>>).map(
      (line): OrderLine => ({
        productId: String(line.product_id),
        productSku: String(line.product_sku),
        productName: String(line.product_name),
        quantity: Number(line.quantity),
        unitPrice: toMinor(Number(line.unit_price)),
        lineTotal: toMinor(Number(line.line_total)),
      }),
    ),
    total: toMinor(Number(item.total_amount)),
    currency: String(item.currency),
    createdAt: String(item.created_at),
    updatedAt: String(item.updated_at),
    createdBy: String(item.created_by),
    createdByEmail: text(item.created_by_email),
    version: Number(item.version),
    statusHistory: (item.status_history as Array<Record<string, unknown>>).map(
      (change): StatusChange => ({
        from: (change.from ?? null) as OrderStatus | null,
        to: change.to as OrderStatus,
        at: String(change.at),
        by: String(change.by),
        byEmail: text(change.by_email),
        reason: text(change.reason),
      }),
    ),
  };
}
