import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServiceTokenIssuer } from '@shop/platform';
import { type DevIssuer, startDevIssuer } from '@shop/platform/dev-issuer';
import {
  expectProblem,
  fieldsNamed,
  type Json,
  leakedMarkers,
  type RawReply,
  type RawRequest,
  send,
} from '@shop/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiOf,
  newTenant,
  ordersConfig,
  type ProductsService,
  type ProvisionedStore,
  provisionStore,
  type RunningOrders,
  SERVICE_TOKEN_SECRET,
  seedProduct,
  startIssuer,
  startOrders,
  startProducts,
  stockOf,
  storeTargets,
  tokensOf,
} from '../helpers/harness.ts';

/**
 * The isolation matrix of the orders service: every route × every kind of caller that is not the owner
 * (and the owner, as the control). The victim's orders carry unique marker strings (names, e-mail, phone,
 * addresses, notes, ids, its catalog's SKU and name); no reply to anyone who may not see them — body,
 * headers, decoded cursors — may contain one. The attacker's customer has the victim's user id, so only
 * the tenant tells them apart. It runs on every store, so each store's own tenant scoping is exercised.
 */

let issuer: DevIssuer;
let forger: DevIssuer;
let products: ProductsService;

beforeAll(async () => {
  issuer = await startIssuer();
  forger = await startDevIssuer({
    port: 0,
    issuer: issuer.issuer,
    keysDir: await mkdtemp(join(tmpdir(), 'orders-forger-keys-')),
  });
  products = await startProducts(issuer);
});
afterAll(async () => {
  await products?.close();
  await forger?.close();
  await issuer?.close();
});

const mark = (label: string) => `${label}${randomUUID().replaceAll('-', '').slice(0, 16)}`;
const digits = () => String(Math.floor(1e9 + Math.random() * 9e9));

const callers = {
  'the victim tenant’s admin': 'vAdmin',
  'the customer who placed the orders': 'vAlice',
  'another customer of the victim tenant': 'vBob',
  'an admin of another tenant': 'oAdmin',
  'an admin of another tenant naming the victim in X-Tenant-Id': 'oAdminHeader',
  'a customer of another tenant with the victim’s user id': 'oAlice',
  'an anonymous caller': 'anon',
  'a forged admin token of the victim tenant': 'forged',
  'a service credential of the victim tenant addressed to orders': 'vService',
  'a service credential of another tenant addressed to orders': 'oService',
  'the orders→products credential of the victim tenant': 'productsCredential',
} as const;
type Caller = (typeof callers)[keyof typeof callers];

/** Everything (owner or admin), what any principal of the tenant may see (its catalog), or nothing. */
type Sees = 'all' | 'tenant' | 'nothing';
type Expectation = readonly [status: number, sees?: Sees];

interface Fixture {
  victim: {
    tenant: string;
    order: Json;
    second: Json;
    orderBody: Json;
    idempotencyKey: string;
    adminCursor: string;
    aliceCursor: string;
    productId: string;
    stock: number;
  };
  credentials: Record<Caller, string | undefined>;
  /** What any principal of the victim tenant may see: its id, its catalog. */
  tenantMarkers: string[];
  /** What only the customer and the tenant's admin may see. */
  orderMarkers: string[];
}

interface RouteCase {
  route: string;
  request: (fx: Fixture) => RawRequest;
  expected: Partial<Record<Caller, Expectation>>;
  codes?: Partial<Record<number, string>>;
}

const refused: Partial<Record<Caller, Expectation>> = {
  anon: [401],
  forged: [401],
  vService: [403],
  oService: [403],
  productsCredential: [401],
};

const readOne: Partial<Record<Caller, Expectation>> = {
  vAdmin: [200, 'all'],
  vAlice: [200, 'all'],
  vBob: [404],
  oAdmin: [404],
  oAlice: [404],
  ...refused,
};

const list: Partial<Record<Caller, Expectation>> = {
  vAdmin: [200, 'all'],
  vAlice: [200, 'all'],
  vBob: [200, 'tenant'],
  oAdmin: [200],
  oAlice: [200],
  ...refused,
};

const routes: RouteCase[] = [
  { route: 'GET /orders', request: () => ({ method: 'GET', path: '/orders?limit=100' }), expected: list },
  {
    route: 'GET /orders?status=PENDING',
    request: () => ({ method: 'GET', path: '/orders?status=PENDING&limit=100' }),
    expected: list,
  },
  {
    route: 'GET /orders?cursor=<the victim admin’s cursor>',
    request: (fx) => ({ method: 'GET', path: `/orders?limit=1&cursor=${fx.victim.adminCursor}` }),
    expected: { vAdmin: [200, 'all'], vAlice: [400], vBob: [400], oAdmin: [400], oAlice: [400], ...refused },
  },
  {
    route: 'GET /orders?cursor=<the customer’s cursor>',
    request: (fx) => ({ method: 'GET', path: `/orders?limit=1&cursor=${fx.victim.aliceCursor}` }),
    expected: { vAlice: [200, 'all'], vAdmin: [400], vBob: [400], oAdmin: [400], oAlice: [400], ...refused },
  },
  {
    route: 'GET /orders/:order_id',
    request: (fx) => ({ method: 'GET', path: `/orders/${fx.victim.order.order_id}` }),
    expected: readOne,
  },
  {
    route: 'GET /orders/:order_id?customer_id=alice',
    request: (fx) => ({ method: 'GET', path: `/orders/${fx.victim.order.order_id}?customer_id=alice` }),
    expected: readOne,
  },
  {
    route: 'PUT /orders/:order_id to CANCELLED',
    request: (fx) => ({
      method: 'PUT',
      path: `/orders/${fx.victim.order.order_id}`,
      body: { status: 'CANCELLED', reason: 'pwned' },
    }),
    expected: { vBob: [404], oAdmin: [404], oAlice: [404], ...refused },
  },
  {
    route: 'PUT /orders/:order_id to CONFIRMED',
    request: (fx) => ({
      method: 'PUT',
      path: `/orders/${fx.victim.order.order_id}`,
      body: { status: 'CONFIRMED' },
    }),
    // The owner may only cancel: confirming is the admin's.
    expected: { vAlice: [403], vBob: [404], oAdmin: [404], oAlice: [404], ...refused },
  },
  {
    route: 'GET /customers/alice/orders',
    request: () => ({ method: 'GET', path: '/customers/alice/orders?limit=100' }),
    expected: { ...list, vBob: [404] },
  },
  {
    route: 'GET /customers/alice/orders?cursor=<the customer’s cursor>',
    request: (fx) => ({
      method: 'GET',
      path: `/customers/alice/orders?limit=1&cursor=${fx.victim.aliceCursor}`,
    }),
    // The same scope as the customer's own list (tenant + alice): her cursor continues either walk.
    expected: {
      vAdmin: [200, 'all'],
      vAlice: [200, 'all'],
      vBob: [404],
      oAdmin: [400],
      oAlice: [400],
      ...refused,
    },
  },
  {
    route: 'POST /orders with the victim’s Idempotency-Key and body',
    request: (fx) => ({
      method: 'POST',
      path: '/orders',
      headers: { 'idempotency-key': fx.victim.idempotencyKey },
      body: fx.victim.orderBody,
    }),
    // Last of the data routes: the orders it lets the victim's own principals place (with the victim's
    // words, which they sent) would otherwise show up in their later lists. The owner's retry replays
    // its order; anyone else's is a request of their own (a new order in the victim tenant, none in
    // another, where the victim's product does not exist).
    expected: {
      vAlice: [201, 'all'],
      vAdmin: [201, 'tenant'],
      vBob: [201, 'tenant'],
      oAdmin: [409],
      oAlice: [409],
      ...refused,
    },
    codes: { 409: 'insufficient_stock' },
  },
  // Probes and the API description answer before authentication: no caller changes them.
  ...['/openapi.json', '/healthz', '/readyz'].map(
    (path): RouteCase => ({
      route: `GET ${path}`,
      request: () => ({ method: 'GET', path }),
      expected: Object.fromEntries(Object.values(callers).map((caller) => [caller, [200]])),
    }),
  ),
];

// X-Tenant-Id means nothing to the orders service: a header naming the victim changes no answer.
for (const route of routes) {
  if (route.expected.oAdmin) route.expected.oAdminHeader = route.expected.oAdmin;
}

const callerName = Object.fromEntries(Object.entries(callers).map(([name, key]) => [key, name])) as Record<
  Caller,
  string
>;

const rows = routes.flatMap((route) =>
  (Object.entries(route.expected) as Array<[Caller, Expectation]>).map(([caller, [status, sees]]) => ({
    route,
    caller,
    who: callerName[caller],
    status,
    sees: sees ?? ('nothing' as Sees),
  })),
);

const defaultCodes: Record<number, string> = {
  400: 'validation_failed',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
};

/**
 * A refused call answers the route's problem. A 409 here is a reservation naming another tenant's product,
 * which must read as a product that does not exist: not "out of stock", and no stock level.
 */
function expectRefusal(reply: RawReply, status: number, route: RouteCase): void {
  expectProblem(reply, status, route.codes?.[status] ?? defaultCodes[status]);
  if (status === 400) expect(fieldsNamed(reply)).toEqual(['cursor']);
  if (status !== 409) return;
  expect(reply.body.lines.length).toBeGreaterThan(0);
  for (const line of reply.body.lines) expect(line).toEqual(expect.objectContaining({ reason: 'not_found' }));
  expect(reply.body.lines.filter((line: Json) => 'available' in line)).toEqual([]);
}

/** What a caller who sees this much must not find in a reply. */
const forbiddenMarkers = (sees: Sees, fx: Fixture): string[] =>
  ({ all: [], tenant: fx.orderMarkers, nothing: [...fx.tenantMarkers, ...fx.orderMarkers] })[sees];

for (const target of storeTargets()) {
  describe(`tenant isolation of the orders API on ${target.engine}`, () => {
    let store: ProvisionedStore;
    let orders: RunningOrders;
    let fx: Fixture;

    beforeAll(async () => {
      store = await provisionStore(target, 'isolation');
      orders = await startOrders(ordersConfig(issuer, products.url, store.env));
      const url = orders.api.url;
      const tokens = tokensOf(issuer);
      const victimTenant = newTenant();
      const otherTenant = newTenant();
      const victimAdmin = await tokens.admin(victimTenant, 'v-admin');
      const alice = await tokens.customer(victimTenant, 'alice');
      const productsApi = apiOf(products.url);
      const product = await seedProduct(productsApi, victimAdmin, {
        sku: mark('VSKU-'),
        name: mark('Victim product '),
        price: 12.5,
        stock: 100,
      });
      const idempotencyKey = mark('victim-key-');
      const orderBody = {
        customer_name: mark('Victim Customer '),
        customer_email: `${mark('victim')}@example.com`,
        customer_phone: `+1 ${digits()}`,
        shipping_address: mark('Victim street '),
        billing_address: mark('Victim billing '),
        notes: mark('victim-notes-'),
        items: [{ product_sku: product.sku, quantity: 2, unit_price: 12.5 }],
      };
      const first = await send(url, {
        method: 'POST',
        path: '/orders',
        token: alice,
        headers: { 'idempotency-key': idempotencyKey },
        body: orderBody,
      });
      expect(first.status, first.text).toBe(201);
      const secondBody = {
        shipping_address: {
          street: mark('Victim road '),
          city: mark('Victimville '),
          zip_code: '12345',
          country: 'USA',
        },
        items: [{ product_id: product.product_id, quantity: 1 }],
      };
      const second = await send(url, { method: 'POST', path: '/orders', token: alice, body: secondBody });
      expect(second.status, second.text).toBe(201);
      const adminPage = await send(url, { method: 'GET', path: '/orders?limit=1', token: victimAdmin });
      const alicePage = await send(url, { method: 'GET', path: '/orders?limit=1', token: alice });
      expect([adminPage.body.next_cursor, alicePage.body.next_cursor]).toEqual([
        expect.any(String),
        expect.any(String),
      ]);

      // The attacker's store has a catalog and an order of its own (by its own "alice").
      const otherAdmin = await tokens.admin(otherTenant, 'o-admin');
      const otherAlice = await tokens.customer(otherTenant, 'alice');
      const own = await seedProduct(productsApi, otherAdmin, {
        sku: 'OWN-1',
        name: 'Own product',
        price: 3,
        stock: 9,
      });
      const ownOrder = await send(url, {
        method: 'POST',
        path: '/orders',
        token: otherAlice,
        body: { shipping_address: 'Attacker lane 1', items: [{ product_id: own.product_id, quantity: 1 }] },
      });
      expect(ownOrder.status, ownOrder.text).toBe(201);

      const toOrders = (tenant: string) =>
        createServiceTokenIssuer({
          secret: SERVICE_TOKEN_SECRET,
          issuer: 'reports',
          audience: 'orders',
          scopes: ['orders:read'],
        }).tokenFor(tenant);
      const toProducts = createServiceTokenIssuer({
        secret: SERVICE_TOKEN_SECRET,
        issuer: 'orders',
        audience: 'products',
        scopes: ['stock:reserve'],
      });
      const order = first.body.order;
      const secondOrder = second.body.order;
      fx = {
        victim: {
          tenant: victimTenant,
          order,
          second: secondOrder,
          orderBody,
          idempotencyKey,
          adminCursor: adminPage.body.next_cursor,
          aliceCursor: alicePage.body.next_cursor,
          productId: product.product_id,
          stock: await stockOf(productsApi, victimAdmin, product.product_id),
        },
        credentials: {
          vAdmin: victimAdmin,
          vAlice: alice,
          vBob: await tokens.customer(victimTenant, 'bob'),
          oAdmin: otherAdmin,
          oAdminHeader: otherAdmin,
          oAlice: otherAlice,
          anon: undefined,
          forged: await forger.mint({ tenant: victimTenant, role: 'admin', sub: 'v-admin' }),
          vService: await toOrders(victimTenant),
          oService: await toOrders(otherTenant),
          productsCredential: await toProducts.tokenFor(victimTenant),
        },
        tenantMarkers: [victimTenant, product.sku, product.name, product.product_id],
        orderMarkers: [
          order.order_id,
          secondOrder.order_id,
          orderBody.customer_name,
          orderBody.customer_email,
          orderBody.customer_phone.slice(3),
          orderBody.shipping_address,
          orderBody.billing_address,
          orderBody.notes,
          secondBody.shipping_address.street,
          secondBody.shipping_address.city,
          idempotencyKey,
        ],
      };
    });

    afterAll(async () => {
      await orders?.close();
      await store?.drop();
    });

    for (const { route, caller, who, status, sees } of rows) {
      it(`When ${who} calls ${route.route}, then ${status}`, async () => {
        const request = route.request(fx);

        if (caller === 'oAdminHeader')
          request.headers = { ...request.headers, 'x-tenant-id': fx.victim.tenant };

        const reply = await send(orders.api.url, { ...request, token: fx.credentials[caller] });

        expect(reply.status, reply.text).toBe(status);
        if (status >= 400) expectRefusal(reply, status, route);
        expect(leakedMarkers(reply, forbiddenMarkers(sees, fx), request)).toEqual([]);
      });
    }

    it('When every caller has tried every route, then the victim’s orders and stock are as before', async () => {
      const admin = fx.credentials.vAdmin;
      const read = (orderId: string) =>
        send(orders.api.url, { method: 'GET', path: `/orders/${orderId}`, token: admin });

      const first = await read(fx.victim.order.order_id);
      const second = await read(fx.victim.second.order_id);
      const all = await send(orders.api.url, { method: 'GET', path: '/orders?limit=100', token: admin });
      const stock = await stockOf(apiOf(products.url), admin!, fx.victim.productId);

      expect(first.body).toEqual(fx.victim.order);
      expect(second.body).toEqual(fx.victim.second);
      // Only the victim tenant's own principals placed orders since (the Idempotency-Key rows): its
      // stock went down by exactly what they ordered, and by nothing any other tenant tried.
      const placedSince = (all.body.orders as Json[]).filter(
        (order) =>
          order.order_id !== fx.victim.order.order_id && order.order_id !== fx.victim.second.order_id,
      );
      expect(placedSince.map((order) => order.customer_id).sort()).toEqual(['bob', 'v-admin']);
      expect(stock).toBe(
        fx.victim.stock - placedSince.reduce((sum, order) => sum + order.items[0].quantity, 0),
      );
    });
  });
}
