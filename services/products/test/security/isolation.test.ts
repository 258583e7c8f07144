import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DevIssuer, startDevIssuer } from '@shop/platform/dev-issuer';
import {
  expectProblem,
  fieldsNamed,
  leakedMarkers,
  type RawReply,
  type RawRequest,
  send,
} from '@shop/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aProduct,
  type Json,
  newTenant,
  type ProductsUnderTest,
  sqlEngines,
  startIssuer,
  startProducts,
  type Tokens,
  tokensOf,
} from '../support/harness.ts';

/**
 * The isolation matrix of the products service: every route × every kind of caller that is not the
 * owner (and the owner, as the control that proves the request itself is fine). The victim's data carries
 * unique marker strings; no reply to anyone who may not see them — body, headers, decoded cursors —
 * may contain one. It runs on every SQL engine, so the store's own tenant scoping is exercised on each.
 */

let issuer: DevIssuer;
let forger: DevIssuer;
let tokens: Tokens;

beforeAll(async () => {
  issuer = await startIssuer();
  // Same issuer name, its own key: what an attacker who stood up a look-alike issuer could sign.
  forger = await startDevIssuer({
    port: 0,
    issuer: issuer.issuer,
    keysDir: await mkdtemp(join(tmpdir(), 'products-forger-keys-')),
  });
  tokens = tokensOf(issuer);
});
afterAll(async () => {
  await forger?.close();
  await issuer?.close();
});

const mark = (label: string) => `${label}${randomUUID().replaceAll('-', '').slice(0, 16)}`;

/** Who calls. The victim's own principals are the controls; everyone else is an attacker. */
const callers = {
  'the victim tenant’s admin': 'vAdmin',
  'a customer of the victim tenant': 'vCustomer',
  'the orders service’s credential for the victim tenant': 'vService',
  'a service credential of the victim tenant without the stock scope': 'vUnscoped',
  'an admin of another tenant': 'oAdmin',
  'a customer of another tenant': 'oCustomer',
  'the orders service’s credential for another tenant': 'oService',
  'an admin of another tenant naming the victim in X-Tenant-Id': 'oAdminHeader',
  'an anonymous caller': 'anon',
  'an anonymous caller naming the victim in X-Tenant-Id': 'anonVictim',
  'an anonymous caller naming another store in X-Tenant-Id': 'anonOther',
  'a forged admin token of the victim tenant': 'forged',
} as const;
type Caller = (typeof callers)[keyof typeof callers];

/** What a caller may see of the victim: everything (owner), its public catalog, or nothing at all. */
type Sees = 'all' | 'public' | 'nothing';
type Expectation = readonly [status: number, sees?: Sees];

interface Fixture {
  victim: {
    tenant: string;
    active: Json;
    hidden: Json;
    reservation: Json;
    reservationBody: { reservation_id: string; items: Array<{ product_id: string; quantity: number }> };
    cursor: string;
  };
  other: { tenant: string };
  credentials: Record<Caller, { token?: string; headers?: Record<string, string> }>;
  /** Markers of what the victim shows the public: its active product, its tenant id. */
  publicMarkers: string[];
  /** Markers only the victim's admin (or its orders service) may see. */
  privateMarkers: string[];
}

interface RouteCase {
  route: string;
  request: (fx: Fixture) => RawRequest;
  expected: Partial<Record<Caller, Expectation>>;
  /** The code of a 409/400 on this route, when not the usual one. */
  codes?: Partial<Record<number, string>>;
}

const publicList = (forged: Expectation = [401]): Partial<Record<Caller, Expectation>> => ({
  vAdmin: [200, 'all'],
  vCustomer: [200, 'public'],
  vService: [200, 'public'],
  vUnscoped: [200, 'public'],
  oAdmin: [200],
  oCustomer: [200],
  oService: [200],
  oAdminHeader: [200],
  anon: [200],
  anonVictim: [200, 'public'],
  anonOther: [200],
  forged,
});

const adminWrite = (ownerStatus?: number): Partial<Record<Caller, Expectation>> => ({
  ...(ownerStatus ? { vAdmin: [ownerStatus, 'all'] as const } : {}),
  vCustomer: [403],
  vService: [403],
  vUnscoped: [403],
  oAdmin: [404],
  oCustomer: [403],
  oService: [403],
  oAdminHeader: [404],
  anon: [401],
  anonVictim: [401],
  anonOther: [401],
  forged: [401],
});

const serviceOnly = (
  victimService: Expectation | undefined,
  otherService: Expectation,
): Partial<Record<Caller, Expectation>> => ({
  ...(victimService ? { vService: victimService } : {}),
  vAdmin: [403],
  vCustomer: [403],
  vUnscoped: [403],
  oAdmin: [403],
  oCustomer: [403],
  oService: otherService,
  oAdminHeader: [403],
  anon: [401],
  anonVictim: [401],
  anonOther: [401],
  forged: [401],
});

const everyone = (status: number, forged = status): Partial<Record<Caller, Expectation>> =>
  Object.fromEntries(
    Object.values(callers).map((caller) => [caller, [caller === 'forged' ? forged : status]]),
  );

const routes: RouteCase[] = [
  {
    route: 'GET /products',
    request: () => ({ method: 'GET', path: '/products?limit=100' }),
    expected: publicList(),
  },
  {
    route: 'GET /products?sku=<the victim’s SKU>',
    request: (fx) => ({ method: 'GET', path: `/products?sku=${fx.victim.active.sku}` }),
    expected: publicList(),
  },
  {
    route: 'GET /products?q=<the victim’s hidden product name>',
    request: (fx) => ({ method: 'GET', path: `/products?q=${encodeURIComponent(fx.victim.hidden.name)}` }),
    expected: publicList(),
  },
  {
    route: 'GET /products?active=false',
    request: () => ({ method: 'GET', path: '/products?active=false&limit=100' }),
    expected: publicList(),
  },
  {
    route: 'GET /products?cursor=<the victim admin’s cursor>',
    request: (fx) => ({ method: 'GET', path: `/products?limit=1&cursor=${fx.victim.cursor}` }),
    expected: {
      ...publicList(),
      oAdmin: [400],
      oCustomer: [400],
      oService: [400],
      oAdminHeader: [400],
      anon: [400],
      anonOther: [400],
    },
  },
  {
    route: 'GET /products/:id (active)',
    request: (fx) => ({ method: 'GET', path: `/products/${fx.victim.active.product_id}` }),
    expected: {
      ...publicList(),
      oAdmin: [404],
      oCustomer: [404],
      oService: [404],
      oAdminHeader: [404],
      anon: [404],
      anonOther: [404],
    },
  },
  {
    route: 'GET /products/:id (inactive)',
    request: (fx) => ({ method: 'GET', path: `/products/${fx.victim.hidden.product_id}` }),
    expected: {
      ...publicList(),
      vCustomer: [404],
      vService: [404],
      vUnscoped: [404],
      anonVictim: [404],
      oAdmin: [404],
      oCustomer: [404],
      oService: [404],
      oAdminHeader: [404],
      anon: [404],
      anonOther: [404],
    },
  },
  {
    route: 'POST /products',
    request: () => ({ method: 'POST', path: '/products', body: aProduct({ name: 'Intruder' }) }),
    // Another tenant's admin creates in its own store, whatever X-Tenant-Id says (the marker check
    // proves the victim's tenant id is nowhere in the answer).
    expected: { ...adminWrite(201), oAdmin: [201], oAdminHeader: [201] },
  },
  {
    route: 'PUT /products/:id',
    request: (fx) => ({
      method: 'PUT',
      path: `/products/${fx.victim.active.product_id}`,
      body: { name: 'Pwned', stock_quantity: 0 },
    }),
    expected: adminWrite(),
  },
  {
    route: 'DELETE /products/:id',
    request: (fx) => ({ method: 'DELETE', path: `/products/${fx.victim.active.product_id}` }),
    expected: adminWrite(),
  },
  {
    route: 'POST /stock/reservations naming the victim’s product',
    request: (fx) => ({
      method: 'POST',
      path: '/stock/reservations',
      body: {
        reservation_id: mark('res-'),
        items: [{ product_id: fx.victim.active.product_id, quantity: 1 }],
      },
    }),
    expected: serviceOnly(undefined, [409]),
    codes: { 409: 'insufficient_stock' },
  },
  {
    route: 'POST /stock/reservations replaying the victim’s reservation',
    request: (fx) => ({ method: 'POST', path: '/stock/reservations', body: fx.victim.reservationBody }),
    expected: serviceOnly([200, 'all'], [409]),
    codes: { 409: 'insufficient_stock' },
  },
  {
    route: 'GET /stock/reservations/:id',
    request: (fx) => ({ method: 'GET', path: `/stock/reservations/${fx.victim.reservation.reservation_id}` }),
    expected: serviceOnly([200, 'all'], [404]),
  },
  {
    route: 'DELETE /stock/reservations/:id',
    request: (fx) => ({
      method: 'DELETE',
      path: `/stock/reservations/${fx.victim.reservation.reservation_id}`,
    }),
    expected: serviceOnly(undefined, [404]),
  },
  // Probes and the API description answer before authentication: no caller changes them.
  {
    route: 'GET /openapi.json',
    request: () => ({ method: 'GET', path: '/openapi.json' }),
    expected: everyone(200),
  },
  { route: 'GET /healthz', request: () => ({ method: 'GET', path: '/healthz' }), expected: everyone(200) },
  { route: 'GET /readyz', request: () => ({ method: 'GET', path: '/readyz' }), expected: everyone(200) },
];

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
  ({ all: [], public: fx.privateMarkers, nothing: [...fx.publicMarkers, ...fx.privateMarkers] })[sees];

describe.each(sqlEngines)('tenant isolation of the products API on $engine', (target) => {
  let products: ProductsUnderTest;
  let fx: Fixture;

  beforeAll(async () => {
    products = await startProducts(target, issuer);
    const url = products.api.url;
    const victimTenant = newTenant();
    const otherTenant = newTenant();
    const victimAdmin = await tokens.admin(victimTenant);
    const create = async (body: object) => {
      const reply = await send(url, { method: 'POST', path: '/products', token: victimAdmin, body });
      expect(reply.status, reply.text).toBe(201);
      return reply.body;
    };
    const active = await create({
      sku: mark('VSKU-'),
      name: mark('Victim secret name '),
      description: mark('victim-description-'),
      price: 12.34,
      currency: 'EUR',
      stock_quantity: 50,
    });
    const hidden = await create({
      sku: mark('VHIDDEN-'),
      name: mark('Victim unreleased '),
      description: mark('victim-plans-'),
      price: 99,
      currency: 'EUR',
      stock_quantity: 7,
      is_active: false,
    });
    const victimService = await tokens.service(victimTenant);
    const reservationBody = {
      reservation_id: mark('victim-res-'),
      items: [{ product_id: active.product_id, quantity: 2 }],
    };
    const reservation = await send(url, {
      method: 'POST',
      path: '/stock/reservations',
      token: victimService,
      body: reservationBody,
    });
    expect(reservation.status, reservation.text).toBe(201);
    const firstPage = await send(url, { method: 'GET', path: '/products?limit=1', token: victimAdmin });
    expect(firstPage.body.next_cursor, firstPage.text).toEqual(expect.any(String));
    // The attacker's store has data of its own, so its lists and cursors are not trivially empty.
    const otherAdmin = await tokens.admin(otherTenant);
    for (let i = 0; i < 2; i++) {
      const own = await send(url, {
        method: 'POST',
        path: '/products',
        token: otherAdmin,
        body: aProduct({ name: `Attacker product ${i}` }),
      });
      expect(own.status).toBe(201);
    }
    const activeNow = (
      await send(url, { method: 'GET', path: `/products/${active.product_id}`, token: victimAdmin })
    ).body;
    fx = {
      victim: {
        tenant: victimTenant,
        active: activeNow,
        hidden,
        reservation: reservation.body,
        reservationBody,
        cursor: firstPage.body.next_cursor,
      },
      other: { tenant: otherTenant },
      credentials: {
        vAdmin: { token: victimAdmin },
        vCustomer: { token: await tokens.customer(victimTenant) },
        vService: { token: victimService },
        vUnscoped: { token: await tokens.serviceWithoutScope(victimTenant) },
        oAdmin: { token: otherAdmin },
        oCustomer: { token: await tokens.customer(otherTenant) },
        oService: { token: await tokens.service(otherTenant) },
        oAdminHeader: { token: otherAdmin, headers: { 'x-tenant-id': victimTenant } },
        anon: {},
        anonVictim: { headers: { 'x-tenant-id': victimTenant } },
        anonOther: { headers: { 'x-tenant-id': otherTenant } },
        forged: { token: await forger.mint({ tenant: victimTenant, role: 'admin' }) },
      },
      publicMarkers: [victimTenant, active.sku, active.name, active.description, active.product_id],
      privateMarkers: [
        hidden.sku,
        hidden.name,
        hidden.description,
        hidden.product_id,
        reservationBody.reservation_id,
      ],
    };
  });
  afterAll(() => products?.close());

  // A loop rather than it.each: each title names the whole caller and route, untruncated.
  for (const { route, caller, who, status, sees } of rows) {
    it(`When ${who} calls ${route.route}, then ${status}`, async () => {
      const request = route.request(fx);
      const credential = fx.credentials[caller];
      const headers = { ...credential.headers, ...request.headers };

      const reply = await send(products.api.url, { ...request, token: credential.token, headers });

      expect(reply.status, reply.text).toBe(status);
      if (status >= 400) expectRefusal(reply, status, route);
      const forbidden = forbiddenMarkers(sees, fx);
      expect(leakedMarkers(reply, forbidden, { path: request.path, headers, body: request.body })).toEqual(
        [],
      );
    });
  }

  it('When every caller has tried every route, then the victim’s products and reservation are as planted', async () => {
    const admin = fx.credentials.vAdmin.token;
    const service = fx.credentials.vService.token;

    const active = await send(products.api.url, {
      method: 'GET',
      path: `/products/${fx.victim.active.product_id}`,
      token: admin,
    });
    const hidden = await send(products.api.url, {
      method: 'GET',
      path: `/products/${fx.victim.hidden.product_id}`,
      token: admin,
    });
    const reservation = await send(products.api.url, {
      method: 'GET',
      path: `/stock/reservations/${fx.victim.reservation.reservation_id}`,
      token: service,
    });

    expect(active.body).toEqual(fx.victim.active);
    expect(hidden.body).toEqual(fx.victim.hidden);
    expect(reservation.body).toEqual(fx.victim.reservation);
    expect(reservation.body.status).toBe('active');
  });

  it('When the victim’s own admin and service make the destructive calls, then they succeed (the requests were sound)', async () => {
    const url = products.api.url;
    const admin = fx.credentials.vAdmin.token;
    const service = fx.credentials.vService.token;
    const created = await send(url, { method: 'POST', path: '/products', token: admin, body: aProduct() });
    const id = created.body.product_id;
    const body = { reservation_id: mark('res-'), items: [{ product_id: id, quantity: 1 }] };

    const changed = await send(url, {
      method: 'PUT',
      path: `/products/${id}`,
      token: admin,
      body: { name: 'Pwned' },
    });
    const reserved = await send(url, { method: 'POST', path: '/stock/reservations', token: service, body });
    const released = await send(url, {
      method: 'DELETE',
      path: `/stock/reservations/${body.reservation_id}`,
      token: service,
    });
    const deleted = await send(url, { method: 'DELETE', path: `/products/${id}`, token: admin });

    expect([changed.status, reserved.status, released.status, deleted.status]).toEqual([200, 201, 200, 204]);
  });
});
