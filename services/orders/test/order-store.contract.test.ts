import { randomUUID } from 'node:crypto';
import { asTenantId, type TenantId } from '@shop/platform';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openOrderStore } from '../src/data-access/index.ts';
import type { Order, StatusChange } from '../src/domain/order.ts';
import type { IdempotencyRecord, OrderStore } from '../src/domain/ports.ts';
import {
  newTenant,
  type ProvisionedStore,
  provisionStore,
  storeTargets,
  testLogger,
} from './helpers/harness.ts';

/** The one contract every OrderStore keeps, run against every engine available. */
describe.each(storeTargets())('OrderStore contract on $engine', (target) => {
  let provisioned: ProvisionedStore;
  let store: OrderStore;

  beforeAll(async () => {
    provisioned = await provisionStore(target, 'contract');
    const config = {
      ORDERS_STORE: provisioned.env.ORDERS_STORE as 'sql' | 'dynamodb',
      DATABASE_URL: provisioned.env.DATABASE_URL ?? 'sqlite::memory:',
      DB_POOL_MAX: 8,
      DYNAMODB_TABLE: provisioned.env.DYNAMODB_TABLE ?? 'orders',
      DYNAMODB_ENDPOINT: provisioned.env.DYNAMODB_ENDPOINT,
      AWS_REGION: 'us-east-1',
      REQUEST_TIMEOUT_MS: 5000,
    };
    // Migrating twice is harmless: the second run finds nothing to do.
    await (await openOrderStore(config, testLogger(), { migrate: true })).close();
    store = await openOrderStore(config, testLogger(), { migrate: true });
  });

  afterAll(async () => {
    await store?.close();
    await provisioned?.drop();
  });

  let clock = Date.parse('2025-03-01T10:00:00.000Z');
  const nextTime = (stepMs = 1) => {
    clock += stepMs;
    return new Date(clock).toISOString();
  };

  const anOrder = (tenantId: string, overrides: Partial<Order> = {}): Order => {
    const at = overrides.createdAt ?? nextTime();
    return {
      orderId: randomUUID(),
      tenantId,
      customerId: 'customer-1',
      customerName: 'John Doe',
      customerEmail: 'john.doe@example.com',
      customerPhone: '+1-555-0123',
      shippingAddress: '123 Main St, Anytown, ST 12345',
      billingAddress: {
        street: '1 Bill St',
        city: 'Springfield',
        zip_code: '12345',
        country: 'USA',
        state: 'IL',
      },
      notes: null,
      status: 'PENDING',
      items: [
        {
          productId: randomUUID(),
          productSku: 'WIDGET-A-001',
          productName: 'Widget A',
          quantity: 2,
          unitPrice: 2999,
          lineTotal: 5998,
        },
        {
          productId: randomUUID(),
          productSku: 'WIDGET-B-002',
          productName: 'Widget “B” – ünïcode',
          quantity: 1,
          unitPrice: 3999,
          lineTotal: 3999,
        },
      ],
      total: 9997,
      currency: 'USD',
      createdAt: at,
      updatedAt: at,
      createdBy: 'customer-1',
      createdByEmail: 'customer-1@example.com',
      version: 1,
      statusHistory: [{ from: null, to: 'PENDING', at, by: 'customer-1', byEmail: null, reason: null }],
      ...overrides,
    };
  };

  const aChange = (
    from: Order['status'],
    to: Order['status'],
    reason: string | null = null,
  ): StatusChange => ({
    from,
    to,
    at: nextTime(),
    by: 'admin-1',
    byEmail: 'admin@example.com',
    reason,
  });

  const tenant = (): TenantId => asTenantId(newTenant());

  test('When an order is created, then reading it back returns it whole', async () => {
    const tenantId = tenant();
    const order = anOrder(tenantId, {
      shippingAddress: { street: '123 Main St', city: 'Springfield', zip_code: '12345', country: 'USA' },
      billingAddress: null,
      notes: 'Leave at the door; it’s fine.',
      total: 9_999_999_999,
      items: [
        {
          productId: randomUUID(),
          productSku: 'BIG',
          productName: 'Big',
          quantity: 10_000,
          unitPrice: 999_999,
          lineTotal: 9_999_990_000,
        },
      ],
    });

    await store.create(order);

    expect(await store.get(tenantId, order.orderId)).toEqual(order);
  });

  test('When another tenant asks for an order, then the store does not find it', async () => {
    const order = anOrder(tenant());
    await store.create(order);

    expect(await store.get(tenant(), order.orderId)).toBeUndefined();
    expect((await store.list(tenant(), { limit: 10, offset: 0 })).orders).toEqual([]);
  });

  test('When an order id is written twice, then the second write fails and the first stays', async () => {
    const tenantId = tenant();
    const order = anOrder(tenantId);
    await store.create(order);

    await expect(store.create({ ...order, customerName: 'Someone Else' })).rejects.toThrow();
    expect(await store.get(tenantId, order.orderId)).toEqual(order);
  });

  test('When orders are listed page by page, then they come newest first, each once, ties broken by id', async () => {
    const tenantId = tenant();
    const sameMoment = nextTime(10);
    const orders = [
      ...Array.from({ length: 9 }, (_, i) =>
        anOrder(tenantId, { customerId: i % 3 === 0 ? 'customer-2' : 'customer-1' }),
      ),
      // Three orders created in the same millisecond.
      ...Array.from({ length: 3 }, () => anOrder(tenantId, { createdAt: sameMoment, updatedAt: sameMoment })),
    ];
    await Promise.all(orders.map((order) => store.create(order)));
    const newestFirst = [...orders]
      .sort((a, b) =>
        a.createdAt === b.createdAt ? (a.orderId < b.orderId ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1,
      )
      .map((order) => order.orderId);

    const seen: string[] = [];
    let after: { createdAt: string; orderId: string } | undefined;
    for (;;) {
      const page = await store.list(tenantId, { limit: 5, offset: 0, after });
      seen.push(...page.orders.map((order) => order.orderId));
      const last = page.orders.at(-1);
      if (!page.hasMore || !last) break;
      after = { createdAt: last.createdAt, orderId: last.orderId };
    }

    expect(seen).toEqual(newestFirst);
    const customer2 = await store.list(tenantId, { customerId: 'customer-2', limit: 100, offset: 0 });
    expect(customer2.orders.map((order) => order.orderId)).toEqual(
      newestFirst.filter((id) => orders.find((order) => order.orderId === id)?.customerId === 'customer-2'),
    );
    expect(customer2.hasMore).toBe(false);
    const skipped = await store.list(tenantId, { limit: 4, offset: 3 });
    expect(skipped).toEqual({
      orders: orders
        .filter((o) => newestFirst.slice(3, 7).includes(o.orderId))
        .sort((a, b) => newestFirst.indexOf(a.orderId) - newestFirst.indexOf(b.orderId)),
      hasMore: true,
    });
  });

  test('When the status changes at the expected version, then the version and history follow; stale versions lose', async () => {
    const tenantId = tenant();
    const order = anOrder(tenantId);
    await store.create(order);
    const confirm = aChange('PENDING', 'CONFIRMED', 'paid');

    const updated = await store.updateStatus(tenantId, order.orderId, 1, confirm);
    const stale = await store.updateStatus(tenantId, order.orderId, 1, aChange('PENDING', 'CANCELLED'));
    const foreign = await store.updateStatus(tenant(), order.orderId, 2, aChange('CONFIRMED', 'SHIPPED'));
    const missing = await store.updateStatus(tenantId, randomUUID(), 1, aChange('PENDING', 'CONFIRMED'));

    const expected: Order = {
      ...order,
      status: 'CONFIRMED',
      version: 2,
      updatedAt: confirm.at,
      statusHistory: [...order.statusHistory, confirm],
    };
    expect(updated).toEqual({ outcome: 'updated', order: expected });
    expect(stale).toEqual({ outcome: 'version_conflict' });
    expect(foreign).toEqual({ outcome: 'not_found' });
    expect(missing).toEqual({ outcome: 'not_found' });
    expect(await store.get(tenantId, order.orderId)).toEqual(expected);
  });

  test('When ten writers change the same version at once, then exactly one wins', async () => {
    const tenantId = tenant();
    const order = anOrder(tenantId);
    await store.create(order);

    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        store.updateStatus(tenantId, order.orderId, 1, aChange('PENDING', 'CONFIRMED')),
      ),
    );

    expect(results.filter((r) => r.outcome === 'updated')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'version_conflict')).toHaveLength(9);
    expect((await store.get(tenantId, order.orderId))?.statusHistory).toHaveLength(2);
  });

  test('When orders are listed by status, then only that status comes back, also per customer', async () => {
    const tenantId = tenant();
    const orders = Array.from({ length: 6 }, (_, i) =>
      anOrder(tenantId, { customerId: `customer-${i % 2}` }),
    );
    for (const order of orders) await store.create(order);
    const cancelled = [orders[0]!, orders[3]!, orders[4]!];
    for (const order of cancelled) {
      await store.updateStatus(tenantId, order.orderId, 1, aChange('PENDING', 'CANCELLED'));
    }

    const all = await store.list(tenantId, { status: 'CANCELLED', limit: 10, offset: 0 });
    const ofCustomer0 = await store.list(tenantId, {
      status: 'CANCELLED',
      customerId: 'customer-0',
      limit: 1,
      offset: 0,
    });
    const pending = await store.list(tenantId, { status: 'PENDING', limit: 10, offset: 0 });

    expect(all.orders.map((o) => o.orderId)).toEqual(cancelled.map((o) => o.orderId).reverse());
    expect(ofCustomer0.orders.map((o) => o.orderId)).toEqual([orders[4]!.orderId]);
    expect(ofCustomer0.hasMore).toBe(true);
    expect(pending.orders.map((o) => o.orderId)).toEqual([
      orders[5]!.orderId,
      orders[2]!.orderId,
      orders[1]!.orderId,
    ]);
  });

  const aClaim = (tenantId: TenantId, overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord => ({
    tenantId,
    customerId: 'customer-1',
    key: `key-${randomUUID()}`,
    requestHash: 'a'.repeat(64),
    claimToken: randomUUID(),
    state: 'in_progress',
    orderId: randomUUID(),
    placed: null,
    // Live keys: a store may purge expired ones at any time.
    createdAt: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(),
    expiresAt: new Date(Math.floor(Date.now() / 1000) * 1000 + 86_400_000).toISOString(),
    ...overrides,
  });

  test('When an idempotency key is claimed, then a second claim fails and the record reads back', async () => {
    const tenantId = tenant();
    const claim = aClaim(tenantId, { key: 'Key With Spaces #1/€?' });

    expect(await store.insertIdempotency(claim)).toBe(true);
    expect(await store.insertIdempotency({ ...claim, claimToken: randomUUID() })).toBe(false);
    expect(await store.getIdempotency(tenantId, 'customer-1', claim.key)).toEqual(claim);
    // The same key is another key for another customer, another tenant, or in another letter case.
    expect(await store.getIdempotency(tenantId, 'customer-2', claim.key)).toBeUndefined();
    expect(await store.getIdempotency(tenant(), 'customer-1', claim.key)).toBeUndefined();
    expect(await store.insertIdempotency({ ...claim, key: claim.key.toLowerCase() })).toBe(true);
  });

  test('When a claim is completed or freed, then only its holder can do it', async () => {
    const tenantId = tenant();
    const claim = aClaim(tenantId);
    await store.insertIdempotency(claim);
    const completed: IdempotencyRecord = {
      ...claim,
      state: 'completed',
      placed: anOrder(tenantId),
    };

    expect(await store.replaceIdempotency(completed, randomUUID())).toBe(false);
    expect(await store.replaceIdempotency(completed, claim.claimToken)).toBe(true);
    expect(await store.getIdempotency(tenantId, claim.customerId, claim.key)).toEqual(completed);
    await store.deleteIdempotency(tenantId, claim.customerId, claim.key, randomUUID());
    expect(await store.getIdempotency(tenantId, claim.customerId, claim.key)).toEqual(completed);
    await store.deleteIdempotency(tenantId, claim.customerId, claim.key, claim.claimToken);
    expect(await store.getIdempotency(tenantId, claim.customerId, claim.key)).toBeUndefined();
  });

  test('When twenty requests claim one key at once, then exactly one gets it', async () => {
    const tenantId = tenant();
    const claim = aClaim(tenantId);

    const results = await Promise.all(
      Array.from({ length: 20 }, () => store.insertIdempotency({ ...claim, claimToken: randomUUID() })),
    );

    expect(results.filter(Boolean)).toHaveLength(1);
  });

  test('When the store is asked whether it is ready, then it answers', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
