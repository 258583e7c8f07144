import { randomUUID } from 'node:crypto';
import type { DevIssuer } from '@shop/platform/dev-issuer';
import {
  expectClientProblem,
  expectProblem,
  fieldsNamed,
  fuzzOptions,
  type Json,
  type RawReply,
  send,
} from '@shop/platform/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type Api,
  apiOf,
  newTenant,
  ordersConfig,
  type ProductsService,
  type ProvisionedStore,
  provisionStore,
  type RunningOrders,
  seedProduct,
  startIssuer,
  startOrders,
  startProducts,
  stockOf,
  storeTargets,
  tokensOf,
} from '../helpers/harness.ts';

/**
 * Property-based fuzzing of every request schema of the orders service: the create and update bodies,
 * the list queries, the path ids and the headers it reads (Idempotency-Key, If-Match, Authorization).
 * Every generated request is invalid by construction, so the answer must be a 4xx problem document
 * (content type, `status` = the HTTP status, a `code`), never a 5xx, and nothing may be written: the
 * fuzzed tenant's orders (count and content) and its stock at products are compared before and after.
 * Runs are bounded; a failure prints fast-check's seed and path (FC_SEED=<seed> replays it).
 */

let issuer: DevIssuer;
let products: ProductsService;
let productsApi: Api;

beforeAll(async () => {
  issuer = await startIssuer();
  products = await startProducts(issuer);
  productsApi = apiOf(products.url);
});
afterAll(async () => {
  await products?.close();
  await issuer?.close();
});

// ---------------------------------------------------------------- arbitraries

/** A value that stands in a JSON text as written: number literals JSON.stringify cannot produce. */
class Raw {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

function jsonText(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_, v) => {
    if (v instanceof Raw) {
      raws.push(v.text);
      return `\u0000raw${raws.length - 1}\u0000`;
    }
    return v;
  });
  return text.replace(/"\\u0000raw(\d+)\\u0000"/g, (_, i) => raws[Number(i)]!);
}

const SKU = 'FUZZ-1';
const PRICE = 12.5;

/** A seed 001 body the fuzzed shop would accept: every mutation below breaks exactly this. */
const goodOrder = () => ({
  customer_name: 'Fuzz Buyer',
  customer_email: 'buyer@example.com',
  customer_phone: '+1 555 0100',
  shipping_address: '1 Fuzz Street',
  billing_address: { street: '1 Fuzz Street', city: 'Fuzzton', zip_code: '12345', country: 'USA' },
  currency: 'USD',
  total_amount: 25,
  notes: 'Leave at the door',
  items: [{ product_sku: SKU, product_name: 'Fuzz widget', quantity: 2, unit_price: PRICE }],
});

const anyJson = fc.jsonValue({ maxDepth: 3 });
const notAString = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(anyJson, { maxLength: 3 }),
  fc.dictionary(fc.string(), anyJson, { maxKeys: 3 }),
);
const notANumber = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.array(anyJson, { maxLength: 3 }),
  fc.constantFrom('NaN', 'Infinity', '1e308', '12.5', ''),
);
const poisonedText = fc
  .tuple(
    fc.string({ maxLength: 20 }),
    fc.constantFrom('\u0000', '\ud800', '\udfff', '\udc00\ud800', 'a\u0000b'),
    fc.string({ maxLength: 20 }),
  )
  .map(([a, poison, b]) => `${a}${poison}${b}`);
const exoticText = fc.constantFrom('🛒', 'عربة', '\u202eRTL', 'e\u0301', '\u200d', '\ufeff', 'ＡＢＣ', 'İ');
const tooLong = (max: number) =>
  fc.string({ minLength: max + 1, maxLength: max + 40 }).map((s) => `x${s}`.padEnd(max + 1, 'x'));

/** Money literals each schema or the two-decimals rule refuses; -0 is a 409 (a total that disagrees). */
const badMoneyLiteral = fc.constantFrom(
  '-0.01',
  '-1',
  '1e308',
  '-1e308',
  '1e400',
  '100000000',
  '99999999.991',
  '0.30000000000000004',
  '1.005',
  '1e-7',
  '5e-324',
  '9007199254740993',
  '-0',
);
const badMoney = fc.oneof(
  notANumber,
  badMoneyLiteral.map((text) => new Raw(text)),
  fc.double({ min: 0.001, max: 1e6, noNaN: true }).filter((n) => Math.round(n * 100) / 100 !== n),
);
const badText = (max: number) => fc.oneof(notAString, fc.constant(''), tooLong(max), poisonedText);
const badAddressObject = fc.oneof(
  fc.constantFrom('street', 'city', 'zip_code', 'country').map((missing) => {
    const address: Record<string, string> = { street: 'a', city: 'b', zip_code: 'c', country: 'd' };
    delete address[missing];
    return address;
  }),
  fc
    .tuple(fc.constantFrom('street', 'city', 'zip_code', 'country', 'state'), badText(200))
    .map(([field, bad]) => ({ street: 'a', city: 'b', zip_code: 'c', country: 'd', [field]: bad })),
  fc
    .constantFrom('tenant_id', 'customer_id', 'line3', '__proto__')
    .map((key) =>
      JSON.parse(`{"street":"a","city":"b","zip_code":"c","country":"d",${JSON.stringify(key)}:"x"}`),
    ),
);
const badAddress = fc.oneof(
  fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(anyJson, { maxLength: 2 })),
  fc.constant(''),
  tooLong(500),
  poisonedText,
  badAddressObject,
);

const badTopValue: Record<string, fc.Arbitrary<unknown>> = {
  customer_name: badText(200),
  customer_email: fc.oneof(
    notAString,
    fc.constantFrom('', 'not-an-email', 'a@', '@example.com', 'a b@example.com', 'a@@example.com'),
    fc.string({ minLength: 330, maxLength: 340 }).map((s) => `${s.replace(/[^a-z]/g, 'a')}@example.com`),
    poisonedText,
  ),
  customer_phone: fc.oneof(
    notAString,
    fc.constantFrom('', 'abc', '12', '+', '1'.repeat(40), '555\n0100', '+1 555 0100 ext. 3', '٠١٢٣٤٥'),
    poisonedText,
  ),
  shipping_address: badAddress,
  billing_address: badAddress,
  currency: fc.oneof(notAString, fc.constantFrom('usd', 'US', 'USDD', '€€€', ''), exoticText, poisonedText),
  total_amount: badMoney,
  notes: fc.oneof(notAString, tooLong(2000), poisonedText),
  items: fc.oneof(
    fc.oneof(
      fc.string(),
      fc.integer(),
      fc.constant(null),
      fc.dictionary(fc.string(), anyJson, { maxKeys: 2 }),
    ),
    fc.constant([]),
    fc.constant(Array.from({ length: 101 }, () => ({ product_sku: SKU, quantity: 1 }))),
  ),
};
const topFields = Object.keys(badTopValue);

const badLineValue: Record<string, fc.Arbitrary<unknown>> = {
  product_sku: fc.oneof(
    notAString,
    fc.constantFrom('', '-x', 'has space', 'a/b', 'x'.repeat(65)),
    exoticText.map((s) => `S${s}`),
    poisonedText,
  ),
  product_id: fc.oneof(
    notAString,
    fc.constantFrom('', 'not-a-uuid', `${randomUUID()}x`),
    exoticText,
    poisonedText,
  ),
  product_name: badText(200),
  quantity: fc.oneof(
    notANumber,
    fc.constantFrom(0, -1, 10_001, 1.5),
    fc.constantFrom('1e400', '-0.5', '1e308', '2.0000000001').map((t) => new Raw(t)),
  ),
  unit_price: badMoney,
  price_per_unit: badMoney,
};
const lineFields = Object.keys(badLineValue);

const unknownKey = (known: string[]) =>
  fc
    .oneof(
      fc.constantFrom(
        'tenant_id',
        'customer_id',
        'status',
        'price',
        'order_id',
        '__proto__',
        'constructor',
        'Items',
        '',
      ),
      fc.string({ maxLength: 12 }),
    )
    .filter((key) => !known.includes(key));
const withKey = (object: object, key: string, value: unknown) =>
  JSON.parse(`{${JSON.stringify(key)}:${JSON.stringify(value)},${jsonText(object).slice(1)}`);

const notAnObject = fc.oneof(
  fc.array(anyJson, { maxLength: 4 }),
  fc.string(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);

/** A POST /orders body that breaks at least one rule (schema, two decimals, one product reference, one price). */
const invalidOrder = fc.oneof(
  fc
    .constantFrom(...topFields)
    .chain((field) => badTopValue[field]!.map((bad) => ({ ...goodOrder(), [field]: bad }))),
  fc.constantFrom(...lineFields).chain((field) =>
    badLineValue[field]!.map((bad) => {
      const order = goodOrder();
      const { unit_price: _, ...line } = order.items[0]!;
      // A bad id next to the SKU would be "both references": keep the id as the only one.
      const base =
        field === 'product_id'
          ? { ...line, product_sku: undefined }
          : field === 'price_per_unit'
            ? line
            : order.items[0]!;
      return { ...order, items: [{ ...base, [field]: bad }] };
    }),
  ),
  fc.constantFrom('shipping_address', 'items').map((missing) => {
    const { [missing as 'items']: _, ...rest } = goodOrder();
    return rest;
  }),
  fc.constant({ ...goodOrder(), items: [{ product_sku: SKU }] }),
  fc.constant({ ...goodOrder(), items: [{ product_sku: SKU, product_id: randomUUID(), quantity: 1 }] }),
  fc.constant({ ...goodOrder(), items: [{ quantity: 1 }] }),
  fc.constant({
    ...goodOrder(),
    items: [{ product_sku: SKU, quantity: 2, unit_price: PRICE, price_per_unit: PRICE }],
  }),
  fc.tuple(unknownKey(topFields), anyJson).map(([key, value]) => withKey(goodOrder(), key, value)),
  fc
    .tuple(unknownKey([...lineFields, 'product_name']), anyJson)
    .map(([key, value]) => ({ ...goodOrder(), items: [withKey(goodOrder().items[0]!, key, value)] })),
  notAnObject,
);

const statuses = ['PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED'];
/** A PUT body that breaks at least one rule. */
const invalidUpdate = fc.oneof(
  fc
    .oneof(
      notAString,
      fc.constantFrom(
        'pending',
        'confirmed',
        'Cancelled',
        'PAID',
        'REFUNDED',
        '',
        ' CONFIRMED',
        'CONFIRMED\u0000',
      ),
      exoticText,
    )
    .filter((status) => !statuses.includes(status as string))
    .map((status) => ({ status })),
  badText(500).map((reason) => ({ status: 'CONFIRMED', reason })),
  fc
    .tuple(unknownKey(['status', 'reason']), anyJson)
    .map(([key, value]) => withKey({ status: 'CONFIRMED' }, key, value)),
  fc.constant({}),
  fc.constant({ reason: 'no status' }),
  notAnObject,
);

const notJson = fc
  .oneof(
    fc.nat({ max: 200 }).map((cut) => jsonText(goodOrder()).slice(0, cut + 1)),
    fc.constantFrom(
      "{'status':'CONFIRMED'}",
      '{"status":"CONFIRMED",}',
      '{"a":1}x',
      '{"a":NaN}',
      '{"a":01}',
      '\ufeff{"status":"CONFIRMED"}',
      '{"a":"\\ud800',
      '[1,]',
      '{"a":1}{"b":2}',
    ),
    fc.string({ minLength: 1, maxLength: 60 }),
  )
  .filter((text) => {
    try {
      JSON.parse(text);
      return false;
    } catch {
      return true;
    }
  });

const nonJsonType = fc.oneof(
  fc.constantFrom(
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'text/json',
    'application/json-seq',
    'application/javascript',
    'json',
  ),
  fc
    .tuple(fc.stringMatching(/^[a-z]{1,10}$/), fc.stringMatching(/^[a-z.+-]{1,12}$/))
    .map(([type, subtype]) => `${type}/${subtype}`)
    .filter((type) => !/json/.test(type)),
);

/** "." and ".." are resolved by every client before the request leaves: the service never sees them. */
const notDotSegment = (segment: string) => segment !== '.' && segment !== '..';

/** Any string a client can put in a header value: tab, visible ASCII, space and obs-text (RFC 9110 §5.5). */
const headerValue = (maxLength = 40) =>
  fc.string({
    unit: fc
      .oneof(fc.constant(9), fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }))
      .map((code) => String.fromCharCode(code)),
    maxLength,
  });

// ---------------------------------------------------------------- the properties

describe('fuzzing the orders API', () => {
  let store: ProvisionedStore;
  let orders: RunningOrders;
  let url: string;
  let tenant: string;
  let admin: string;
  let alice: string;
  let productId: string;
  let order: Json;

  /** The fuzzed tenant's orders as its admin sees them, and the stock left at products. */
  const snapshot = async () => {
    const list = await send(url, { method: 'GET', path: '/orders?limit=100', token: admin });
    expect(list.status).toBe(200);
    return { orders: list.body.orders as Json[], stock: await stockOf(productsApi, admin, productId) };
  };
  let before: Awaited<ReturnType<typeof snapshot>>;
  const expectNothingWritten = async () => expect(await snapshot()).toEqual(before);

  beforeAll(async () => {
    store = await provisionStore({ engine: 'sqlite', url: undefined }, 'fuzz');
    orders = await startOrders(ordersConfig(issuer, products.url, store.env));
    url = orders.api.url;
    tenant = newTenant();
    const tokens = tokensOf(issuer);
    admin = await tokens.admin(tenant, 'admin-1');
    alice = await tokens.customer(tenant, 'alice');
    productId = (
      await seedProduct(productsApi, admin, { sku: SKU, name: 'Fuzz widget', price: PRICE, stock: 50 })
    ).product_id;
    const placed = await send(url, { method: 'POST', path: '/orders', token: alice, body: goodOrder() });
    expect(placed.status, placed.text).toBe(201);
    order = placed.body.order;
  });
  afterAll(async () => {
    await orders?.close();
    await store?.drop();
  });
  // Each test compares with the shop as it found it, so a write is reported by the test that made it.
  beforeEach(async () => {
    before = await snapshot();
    order = before.orders.find((o) => o.order_id === order.order_id) ?? order;
  });

  const postRaw = (text: string | Buffer, headers: Record<string, string> = {}, token = alice) =>
    send(url, {
      method: 'POST',
      path: '/orders',
      token,
      body: Buffer.from(text),
      headers: { 'content-type': 'application/json', ...headers },
    });
  const bodyRoutes = () => [
    { method: 'POST', path: '/orders', token: alice },
    { method: 'PUT', path: `/orders/${order.order_id}`, token: admin },
  ];

  it('When POST /orders gets any invalid body, then a 4xx problem and nothing is ordered', async () => {
    await fc.assert(
      fc.asyncProperty(invalidOrder, fc.boolean(), async (body, withKey) => {
        const reply = await postRaw(
          jsonText(body),
          withKey ? { 'idempotency-key': `fuzz-${randomUUID()}` } : {},
        );
        expectClientProblem(reply);
      }),
      fuzzOptions(250),
    );
    await expectNothingWritten();
  });

  it('When PUT /orders/:id gets any invalid body, then a 4xx problem and the order is unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(invalidUpdate, fc.constantFrom('admin', 'alice'), async (body, who) => {
        const reply = await send(url, {
          method: 'PUT',
          path: `/orders/${order.order_id}`,
          token: who === 'admin' ? admin : alice,
          body: Buffer.from(jsonText(body)),
          headers: { 'content-type': 'application/json' },
        });
        expectProblem(reply, 400, 'validation_failed');
      }),
      fuzzOptions(200),
    );
    await expectNothingWritten();
  });

  it('When a body route gets text that is not JSON, then 400 malformed_json and nothing is written', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 1 }), notJson, async (which, text) => {
        const reply = await send(url, {
          ...bodyRoutes()[which]!,
          body: Buffer.from(text),
          headers: { 'content-type': 'application/json' },
        });
        expectProblem(reply, 400, 'malformed_json');
      }),
      fuzzOptions(150),
    );
    await expectNothingWritten();
  });

  it('When a body route gets a valid body under another content type, or none, then 415 and nothing is written', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 1 }),
        fc.option(nonJsonType, { nil: undefined }),
        async (which, type) => {
          const body = which === 0 ? goodOrder() : { status: 'CONFIRMED' };
          const reply = await send(url, {
            ...bodyRoutes()[which]!,
            body: Buffer.from(JSON.stringify(body)),
            headers: type === undefined ? {} : { 'content-type': type },
          });
          expectProblem(reply, 415, 'unsupported_media_type');
        },
      ),
      fuzzOptions(100),
    );
    await expectNothingWritten();
  });

  it.each([
    ['10 000 nested arrays', `${'['.repeat(10_000)}${']'.repeat(10_000)}`],
    ['400 000 nested arrays (just under the limit)', `${'['.repeat(400_000)}${']'.repeat(400_000)}`],
    [
      'an address nested 10 000 deep',
      `{"shipping_address":${'{"street":'.repeat(10_000)}"x"${'}'.repeat(10_000)},"items":[]}`,
    ],
    [
      'items nested 10 000 deep',
      `{"shipping_address":"x","items":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
    ],
    [
      '25 000 lines',
      JSON.stringify({
        shipping_address: 'x',
        items: Array.from({ length: 25_000 }, () => ({ product_sku: SKU, quantity: 1 })),
      }),
    ],
    ['a 900 kB address', JSON.stringify({ ...goodOrder(), shipping_address: 'a'.repeat(900_000) })],
    ['80 000 unknown fields', `{${Array.from({ length: 80_000 }, (_, i) => `"f${i}":0`).join(',')}}`],
  ])('When a body holds %s, then 400 and nothing is written', async (_, text) => {
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1_048_576);
    for (const route of bodyRoutes()) {
      const reply = await send(url, {
        ...route,
        body: Buffer.from(text),
        headers: { 'content-type': 'application/json' },
      });
      expectProblem(reply, 400);
    }
    await expectNothingWritten();
  });

  it.each([
    ['declared and sent', false],
    ['sent without a length (chunked)', true],
  ] as const)(
    'When a body is over the 1 MiB limit, %s, then 413 and nothing is written',
    async (_, chunked) => {
      const text = JSON.stringify({ ...goodOrder(), notes: 'x'.repeat(1_048_576) });
      for (const route of bodyRoutes()) {
        const reply = await send(url, {
          ...route,
          body: Buffer.from(text),
          headers: {
            'content-type': 'application/json',
            ...(chunked ? { 'transfer-encoding': 'chunked' } : {}),
          },
        });
        expectProblem(reply, 413, 'payload_too_large');
      }
      await expectNothingWritten();
    },
  );

  const listParams = ['limit', 'cursor', 'offset', 'status', 'my_orders'];
  const badQueryValue: Record<string, fc.Arbitrary<string>> = {
    limit: fc.constantFrom('0', '101', '-1', '1.5', 'ten', '', '1e1', '0x10', '9007199254740993', 'NaN'),
    offset: fc.constantFrom('-1', '10001', '1.5', 'x', '', '1e3', '0x1'),
    cursor: fc.oneof(fc.string({ minLength: 1, maxLength: 80 }), fc.constant('x'.repeat(513))),
    status: fc.constantFrom('pending', 'PAID', '', 'PENDING,CONFIRMED', 'CANCELLED ', '*'),
    my_orders: fc.constantFrom('yes', '2', '', 'null', 'maybe'),
  };
  const badQuery = (params: string[]) =>
    fc
      .oneof(
        fc
          .constantFrom(...params)
          .chain((name) => badQueryValue[name]!.map((value): Array<[string, string]> => [[name, value]])),
        fc
          .tuple(
            fc.string({ minLength: 1, maxLength: 10 }).filter((name) => !listParams.includes(name)),
            fc.string(),
          )
          .map(([name, value]): Array<[string, string]> => [[name, value]]),
        fc.constantFrom('limit', 'offset', 'status').map(
          (name): Array<[string, string]> => [
            [name, name === 'status' ? 'PENDING' : '1'],
            [name, name === 'status' ? 'SHIPPED' : '2'],
          ],
        ),
      )
      .filter((pairs) => pairs.every(([name, value]) => name.isWellFormed() && value.isWellFormed()));

  it('When the query of GET /orders or /customers/:id/orders breaks a rule, then 400 naming the parameter', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          badQuery(listParams).map((pairs) => ({ path: '/orders', pairs })),
          badQuery(listParams.filter((name) => name !== 'my_orders')).map((pairs) => ({
            path: '/customers/alice/orders',
            pairs,
          })),
        ),
        fc.constantFrom('admin', 'alice'),
        async ({ path, pairs }, who) => {
          const search = pairs
            .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
            .join('&');
          const reply = await send(url, {
            method: 'GET',
            path: `${path}?${search}`,
            token: who === 'admin' ? admin : alice,
          });
          expectProblem(reply, 400);
          expect(fieldsNamed(reply), reply.text).toContain(pairs[0]![0]);
        },
      ),
      fuzzOptions(250),
    );
  });

  it.each([
    ['0.1 + 0.2 style', 'unit_price', '12.500000000000002'],
    ['three decimals', 'unit_price', '12.505'],
    ['1e308', 'unit_price', '1e308'],
    ['1e400 (Infinity once parsed)', 'unit_price', '1e400'],
    ['negative', 'unit_price', '-0.01'],
    ['a numeric string', 'unit_price', '"12.50"'],
    ['0.1 + 0.2 style', 'total_amount', '25.000000000000004'],
    ['2^53 + 1', 'total_amount', '9007199254740993'],
    ['the smallest double', 'total_amount', '5e-324'],
    ['a fraction', 'quantity', '2.5'],
    ['2^53 + 1', 'quantity', '9007199254740993'],
  ])(
    'When an order’s number is %s (%s: %s), then 400 names it and nothing is ordered',
    async (_, field, literal) => {
      const text = jsonText(goodOrder()).replace(new RegExp(`"${field}":[^,}]+`), `"${field}":${literal}`);

      const reply = await postRaw(text);

      expectProblem(reply, 400, 'validation_failed');
      expect(fieldsNamed(reply)).toEqual([field === 'total_amount' ? field : `items[0].${field}`]);
      await expectNothingWritten();
    },
  );

  it.each([
    ['/orders', 'limit', '1e1'],
    ['/orders', 'offset', '1.5'],
    ['/orders', 'offset', '0x1'],
    ['/customers/alice/orders', 'limit', '2.0'],
  ])('When %s has %s=%s, then 400 names it (not read as a nearby integer)', async (path, name, value) => {
    const reply = await send(url, { method: 'GET', path: `${path}?${name}=${value}`, token: admin });

    expectProblem(reply, 400, 'validation_failed');
    expect(fieldsNamed(reply)).toEqual([name]);
  });

  it('When the order id in a path is fuzzed, then a 4xx problem, never a write', async () => {
    const segment = fc.oneof(
      fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent).filter(notDotSegment),
      fc
        .string({ unit: 'grapheme', minLength: 1, maxLength: 10 })
        .map(encodeURIComponent)
        .filter(notDotSegment),
      fc.uuid(),
      fc.uuid().map((id) => id.toUpperCase()),
      fc.constantFrom(
        '%',
        '%zz',
        '%00',
        '%C0%AF',
        '%ED%A0%80',
        '%FF',
        '%2F',
        'a%2Fb',
        'x'.repeat(5000),
        `${randomUUID()}%00`,
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.boolean(), segment, async (put, id) => {
        const reply = await send(url, {
          method: put ? 'PUT' : 'GET',
          path: `/orders/${id}`,
          token: admin,
          ...(put ? { body: { status: 'CANCELLED' } } : {}),
        });
        expectClientProblem(reply);
      }),
      fuzzOptions(200),
    );
    await expectNothingWritten();
  });

  it('When the customer id in a path is fuzzed, then 200 (an admin listing anyone) or a 4xx problem, never a 5xx', async () => {
    const segment = fc.oneof(
      fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent).filter(notDotSegment),
      fc
        .string({ unit: 'grapheme', minLength: 1, maxLength: 10 })
        .map(encodeURIComponent)
        .filter(notDotSegment),
      fc.constantFrom(
        '%',
        '%zz',
        '%00',
        'a%00b',
        '%C0%AF',
        '%ED%A0%80',
        '%FF',
        '%2F',
        'x'.repeat(256),
        'alice%23ORDER',
        'TENANT%23x',
      ),
    );
    await fc.assert(
      fc.asyncProperty(segment, fc.constantFrom('admin', 'alice'), async (id, who) => {
        const reply = await send(url, {
          method: 'GET',
          path: `/customers/${id}/orders`,
          token: who === 'admin' ? admin : alice,
        });
        if (reply.status === 200)
          expect(reply.body.orders.filter((o: Json) => o.customer_id !== 'alice')).toEqual([]);
        else expectClientProblem(reply);
      }),
      fuzzOptions(200),
    );
  });

  it('When an Idempotency-Key is not 1–255 printable ASCII characters, then 400 naming it and nothing is ordered', async () => {
    const printable = /^[\x20-\x7e]{1,255}$/;
    const key = fc
      .oneof(
        headerValue(),
        fc.string({ minLength: 256, maxLength: 300 }),
        fc.constantFrom('', ' ', 'tab\there', 'clé', '\u00ff'),
      )
      .filter((value) => !printable.test(value.replace(/^[ \t]+|[ \t]+$/g, '')));
    await fc.assert(
      fc.asyncProperty(key, async (value) => {
        const reply = await postRaw(JSON.stringify(goodOrder()), { 'idempotency-key': value });
        expectProblem(reply, 400, 'validation_failed');
        expect(fieldsNamed(reply)).toEqual(['Idempotency-Key']);
      }),
      fuzzOptions(200),
    );
    await expectNothingWritten();
  });

  it('When If-Match names anything but the current version, then 412 and nothing is written', async () => {
    const current = order.version as number;
    const names = (value: string) => {
      const trimmed = value.trim();
      const match = /^(?:W\/)?"?(\d{1,15})"?$/.exec(trimmed);
      return trimmed === '' || trimmed === '*' || (match !== null && Number(match[1]) === current);
    };
    const ifMatch = fc
      .oneof(
        headerValue(),
        fc.integer({ min: 0, max: 1e6 }).map((n) => `"${n}"`),
        fc.integer({ min: 0, max: 99 }).map((n) => `W/"${n}"`),
        fc.constantFrom(
          `"${current}" x`,
          '"-1"',
          `"${'9'.repeat(16)}"`,
          `"${current}.0"`,
          `'${current}'`,
          '**',
        ),
      )
      .filter((value) => !names(value));
    await fc.assert(
      fc.asyncProperty(ifMatch, fc.constantFrom('CONFIRMED', 'CANCELLED'), async (value, status) => {
        const reply = await send(url, {
          method: 'PUT',
          path: `/orders/${order.order_id}`,
          token: admin,
          headers: { 'if-match': value },
          body: { status },
        });
        expectProblem(reply, 412, 'precondition_failed');
      }),
      fuzzOptions(200),
    );
    await expectNothingWritten();
  });

  it('When Authorization is fuzzed, then 401 on every route, and nothing is written', async () => {
    const authorization = fc.oneof(
      headerValue(200),
      fc.string({ maxLength: 200 }).map((token) => `Bearer ${token}`),
      fc
        .tuple(
          fc.base64String({ maxLength: 40 }),
          fc.base64String({ maxLength: 80 }),
          fc.base64String({ maxLength: 40 }),
        )
        .map(([a, b, c]) => `Bearer ${a}.${b}.${c}`),
      fc.constantFrom(
        'Bearer',
        'Basic YWRtaW46YWRtaW4=',
        `Bearer ${'a'.repeat(8000)}`,
        'Bearer eyJhbGciOiJub25lIn0.eyJ0ZW5hbnRfaWQiOiJ4Iiwicm9sZXMiOlsiYWRtaW4iXX0.',
      ),
    );
    const routes = [
      { method: 'POST', path: '/orders', body: goodOrder() },
      { method: 'PUT', path: () => `/orders/${order.order_id}`, body: { status: 'CANCELLED' } },
      { method: 'GET', path: '/orders' },
      { method: 'GET', path: () => `/orders/${order.order_id}` },
      { method: 'GET', path: '/customers/alice/orders' },
    ];
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: routes.length - 1 }), authorization, async (which, value) => {
        const route = routes[which]!;
        const path = typeof route.path === 'function' ? route.path() : route.path;
        const reply = await send(url, { ...route, path, headers: { authorization: value } });
        expectProblem(reply, 401, 'unauthenticated');
      }),
      fuzzOptions(200),
    );
    await expectNothingWritten();
  });
});

// ---------------------------------------------------------------- text at the edges, on every store

const named = (reply: RawReply) => `${reply.status} ${reply.text.slice(0, 300)}`;

for (const target of storeTargets()) {
  describe(`text at the edges on ${target.engine}`, () => {
    let store: ProvisionedStore;
    let orders: RunningOrders;
    let url: string;

    beforeAll(async () => {
      store = await provisionStore(target, 'text');
      orders = await startOrders(ordersConfig(issuer, products.url, store.env));
      url = orders.api.url;
    });
    afterAll(async () => {
      await orders?.close();
      await store?.drop();
    });

    async function openShop() {
      const tenant = newTenant();
      const tokens = tokensOf(issuer);
      const admin = await tokens.admin(tenant, 'admin-1');
      const product = await seedProduct(productsApi, admin, {
        sku: SKU,
        name: 'Widget 🛒',
        price: PRICE,
        stock: 10,
      });
      return { admin, alice: await tokens.customer(tenant, 'alice'), product, tokens, tenant };
    }

    it.each([
      ['emoji', { customer_name: '👩‍👩‍👧‍👦 Family 🇪🇺', notes: '😀'.repeat(500) }],
      [
        'right-to-left text and bidi controls',
        { customer_name: 'محمد \u202eevil\u202c', shipping_address: 'רחוב 1\u200f' },
      ],
      [
        'combining marks and zero-width characters',
        { customer_name: 'Zoe\u0308 \u200b\u200d', notes: 'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇' },
      ],
      [
        'the longest name, address and notes',
        { customer_name: 'N'.repeat(200), shipping_address: 'A'.repeat(500), notes: 'n\t'.repeat(1000) },
      ],
    ])('When an order has %s, then it is created and reads back exactly', async (_, overrides) => {
      const shop = await openShop();

      const created = await send(url, {
        method: 'POST',
        path: '/orders',
        token: shop.alice,
        body: { ...goodOrder(), ...overrides },
      });
      const readBack = await send(url, {
        method: 'GET',
        path: `/orders/${created.body.order?.order_id}`,
        token: shop.alice,
      });

      expect(created.status, named(created)).toBe(201);
      expect(readBack.body).toEqual(created.body.order);
      expect(readBack.body).toEqual(
        expect.objectContaining({
          ...overrides,
          items: [expect.objectContaining({ product_name: 'Widget 🛒' })],
        }),
      );
    });

    it.each([
      ['a NUL in the name', { customer_name: 'Nul\u0000byte' }, 'customer_name'],
      ['a NUL in the notes', { notes: 'a\u0000b' }, 'notes'],
      [
        'a NUL in a postal address',
        { shipping_address: { street: 'a\u0000', city: 'b', zip_code: 'c', country: 'd' } },
        'shipping_address.street',
      ],
      ['a lone surrogate in the name', { customer_name: 'half \ud83d' }, 'customer_name'],
      ['reversed surrogates in the address', { shipping_address: '\ude00\ud83d' }, 'shipping_address'],
    ])(
      'When an order has %s, then 400 names the field and nothing is ordered',
      async (_, overrides, field) => {
        const shop = await openShop();

        const reply = await send(url, {
          method: 'POST',
          path: '/orders',
          token: shop.alice,
          body: Buffer.from(jsonText({ ...goodOrder(), ...overrides })),
          headers: { 'content-type': 'application/json' },
        });

        expectProblem(reply, 400, 'validation_failed');
        expect(fieldsNamed(reply)).toEqual([field]);
        expect((await send(url, { method: 'GET', path: '/orders', token: shop.admin })).body.count).toBe(0);
        expect(await stockOf(productsApi, shop.admin, shop.product.product_id)).toBe(10);
      },
    );

    it.each([
      ['an overlong "/" (C0 AF)', [0xc0, 0xaf]],
      ['an encoded surrogate (ED A0 80)', [0xed, 0xa0, 0x80]],
      ['an invalid byte (0xFF)', [0xff]],
    ])('When the body bytes hold %s, then 400 malformed_json and nothing is ordered', async (_, bytes) => {
      const shop = await openShop();
      const [head, tail] = jsonText({ ...goodOrder(), customer_name: '\u0001M\u0001' }).split(
        '\\u0001M\\u0001',
      );

      const reply = await send(url, {
        method: 'POST',
        path: '/orders',
        token: shop.alice,
        body: Buffer.concat([Buffer.from(head!), Buffer.from(bytes), Buffer.from(tail!)]),
        headers: { 'content-type': 'application/json' },
      });

      expectProblem(reply, 400, 'malformed_json');
      expect((await send(url, { method: 'GET', path: '/orders', token: shop.admin })).body.count).toBe(0);
    });

    it.each([
      ['a NUL', '%00', 400],
      ['a NUL inside', 'ali%00ce', 400],
      ['emoji', '%F0%9F%9B%92', 200],
      ['right-to-left text', encodeURIComponent('محمد'), 200],
      ['key separators', encodeURIComponent('alice#IDEMPOTENCY#x'), 200],
    ])(
      'When an admin lists the orders of a customer id with %s, then %s, never a 5xx',
      async (_, id, status) => {
        const shop = await openShop();

        const reply = await send(url, { method: 'GET', path: `/customers/${id}/orders`, token: shop.admin });

        expect(reply.status, named(reply)).toBe(status);
        if (status === 200) expect(reply.body).toEqual({ orders: [], next_cursor: null, count: 0 });
        else expect(fieldsNamed(reply)).toEqual(['customer_id']);
      },
    );

    it('When a customer’s token names a user id with emoji, then their order is theirs and lists under that id', async () => {
      const shop = await openShop();
      const sub = 'ünïcødé-👤';
      const token = await shop.tokens.customer(shop.tenant, sub);

      const created = await send(url, { method: 'POST', path: '/orders', token, body: goodOrder() });
      const listed = await send(url, {
        method: 'GET',
        path: `/customers/${encodeURIComponent(sub)}/orders`,
        token: shop.admin,
      });

      expect(created.status, named(created)).toBe(201);
      expect(created.body.order.customer_id).toBe(sub);
      expect(listed.body.orders).toEqual([created.body.order]);
    });
  });
}
