import { randomUUID } from 'node:crypto';
import type { DevIssuer } from '@shop/platform/dev-issuer';
import {
  expectClientProblem,
  expectProblem,
  fieldsNamed,
  fuzzOptions,
  type RawReply,
  send,
} from '@shop/platform/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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
 * Property-based fuzzing of every request schema of the products service: bodies, query strings, path
 * parameters and the headers it reads. Every generated request is invalid by construction, so the answer
 * must be a 4xx problem document (content type, `status` = the HTTP status, a `code`), never a 5xx, and
 * nothing may be written: the fuzzed tenant's catalog (ids, versions, stock) is compared before and after.
 * Runs are bounded; a failure prints fast-check's seed and path (FC_SEED=<seed> replays it).
 */

let issuer: DevIssuer;
let tokens: Tokens;

beforeAll(async () => {
  issuer = await startIssuer();
  tokens = tokensOf(issuer);
});
afterAll(() => issuer?.close());

// ---------------------------------------------------------------- arbitraries

/** A value that stands in a JSON text as written: number literals JSON.stringify cannot produce. */
class Raw {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** JSON text of `value`, with every Raw inlined verbatim. */
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
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e308', '12.5', '0x10', ''),
);
const notABoolean = fc.oneof(
  fc.constantFrom('true', 'false', 1, 0, 'yes', null),
  fc.array(fc.boolean(), { maxLength: 2 }),
);
/** Text no field accepts: NUL, lone surrogates (valid JSON escapes, invalid Unicode). */
const poisonedText = fc
  .tuple(
    fc.string({ maxLength: 20 }),
    fc.constantFrom('\u0000', '\ud800', '\udfff', '\udc00\ud800', 'a\u0000b'),
    fc.string({ maxLength: 20 }),
  )
  .map(([a, poison, b]) => `${a}${poison}${b}`);
/** Unicode that is fine as text but not in a pattern-restricted field (SKU, currency, ids). */
const exoticText = fc.oneof(
  fc.constantFrom('🛒', 'عربة', '\u202eRTL', 'e\u0301', '\u200d', '\ufeff', 'ＡＢＣ', 'İ', 'ß', '\u00a0'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }).filter((s) => /[^\x20-\x7e]/.test(s)),
);

const badSku = fc.oneof(
  notAString,
  fc.constant(''),
  fc.string({ minLength: 65, maxLength: 100 }).map((s) => `A${s.replace(/[^A-Za-z0-9]/g, 'x')}`),
  fc.constantFrom('-leading-dash', '.dot', 'has space', 'slash/sku', 'semi;colon', "quote'", '%', 'a\nb'),
  exoticText.map((s) => `SKU${s}`),
  poisonedText,
);
const badName = fc.oneof(
  notAString,
  fc.constantFrom('', ' ', '\t\n ', '\u00a0'),
  fc.string({ minLength: 201, maxLength: 260 }).map((s) => `n${s}`.padEnd(201, 'x')),
  poisonedText,
);
/** Number literals at the limits, each invalid as a price (≤ 0, > 99999999.99, > 2 decimals, not finite). */
const badPriceLiteral = fc.constantFrom(
  '0',
  '-0',
  '-1',
  '-0.01',
  '1e308',
  '-1e308',
  '1e400',
  '0.30000000000000004',
  '9007199254740993',
  '1.005',
  '1e-7',
  '5e-324',
  '100000000',
  '99999999.995',
  '99999999.991',
  '123456789012345678901234567890',
  '0.001',
);
const badPrice = fc.oneof(
  notANumber,
  badPriceLiteral.map((text) => new Raw(text)),
  fc.double({ min: 0.001, max: 1e6, noNaN: true }).filter((n) => Math.round(n * 100) / 100 !== n),
);
const badCurrency = fc.oneof(
  notAString,
  fc.constantFrom('usd', 'US', 'USDD', 'U$D', '€€€', 'ÜSD', ''),
  exoticText,
  poisonedText,
);
const badStockLiteral = fc.constantFrom(
  '-1',
  '1.5',
  '1000000001',
  '9007199254740993',
  '1e308',
  '1e400',
  '-1e-7',
  '0.1',
);
const badStock = fc.oneof(
  notANumber,
  badStockLiteral.map((text) => new Raw(text)),
  fc.integer({ max: -1 }),
  fc.integer({ min: 1_000_000_001 }),
);
const badDescription = fc.oneof(notAString, fc.string({ minLength: 5001, maxLength: 5100 }), poisonedText);

const badValueOf: Record<string, fc.Arbitrary<unknown>> = {
  sku: badSku,
  name: badName,
  price: badPrice,
  currency: badCurrency,
  stock_quantity: badStock,
  description: badDescription,
  is_active: notABoolean,
};
const productFields = Object.keys(badValueOf);
const unknownKey = fc
  .oneof(
    fc.constantFrom(
      'tenant_id',
      'product_id',
      'version',
      'created_at',
      '__proto__',
      'constructor',
      'SKU',
      'price ',
      '',
    ),
    fc.string({ maxLength: 12 }),
  )
  .filter((key) => !productFields.includes(key));

const notAnObject = fc.oneof(
  fc.array(anyJson, { maxLength: 4 }),
  fc.string(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);

/** A POST /products body that breaks at least one rule. */
const invalidNewProduct = fc.oneof(
  fc
    .constantFrom(...productFields)
    .chain((field) => badValueOf[field]!.map((bad) => ({ ...aProduct(), [field]: bad }))),
  fc.constantFrom('sku', 'name', 'price').map((missing) => {
    const { [missing as 'sku']: _, ...rest } = aProduct();
    return rest;
  }),
  fc
    .tuple(unknownKey, anyJson)
    .map(([key, value]) =>
      JSON.parse(`{${JSON.stringify(key)}:${JSON.stringify(value)},${jsonText(aProduct()).slice(1)}`),
    ),
  notAnObject,
);

/** A PUT body that breaks at least one rule: a bad field among good ones, an unknown field, {}, a non-object. */
const invalidChanges = fc.oneof(
  fc
    .tuple(fc.constantFrom(...productFields), fc.subarray(['name', 'description', 'price', 'stock_quantity']))
    .chain(([field, others]) =>
      badValueOf[field]!.map((bad) => ({
        ...Object.fromEntries(others.map((name) => [name, (aProduct() as Record<string, unknown>)[name]])),
        [field]: bad,
      })),
    ),
  fc
    .tuple(unknownKey, anyJson)
    .map(([key, value]) => JSON.parse(`{${JSON.stringify(key)}:${JSON.stringify(value)},"name":"ok"}`)),
  fc.constant({}),
  notAnObject,
);

const badReservationId = fc.oneof(
  notAString,
  fc.constantFrom('', 'has space', 'a/b', 'a.b', 'x'.repeat(65)),
  exoticText,
  poisonedText,
);
const badQuantity = fc.oneof(
  notANumber,
  fc.constantFrom(0, -1, 10_001, 1.5),
  fc.constantFrom('1e400', '-0.5', '1e308').map((t) => new Raw(t)),
);
const aLine = fc.oneof(
  fc.uuid().map((id) => ({ product_id: id, quantity: 1 })),
  fc.constant({ sku: 'NOPE-1', quantity: 1 }),
);
const invalidLine = fc.oneof(
  badQuantity.map((quantity) => ({ product_id: randomUUID(), quantity })),
  fc.constant({ quantity: 1 }),
  fc.constant({ product_id: randomUUID(), sku: 'BOTH-1', quantity: 1 }),
  fc.oneof(notAString, exoticText, fc.string()).map((id) => ({ product_id: id, quantity: 1 })),
  badSku.map((sku) => ({ sku, quantity: 1 })),
  fc
    .tuple(unknownKey, anyJson)
    .map(([key, value]) => ({ product_id: randomUUID(), quantity: 1, [key || 'x']: value })),
  notAnObject,
);
/** A reservation body that breaks at least one rule. */
const invalidReservation = fc.oneof(
  badReservationId.map((reservation_id) => ({ reservation_id, items: [{ sku: 'NOPE-1', quantity: 1 }] })),
  fc
    .oneof(notAnObject, fc.constant([]), fc.array(aLine, { minLength: 101, maxLength: 120 }))
    .map((items) => ({ reservation_id: 'r-1', items })),
  fc
    .tuple(fc.array(aLine, { maxLength: 3 }), invalidLine, fc.array(aLine, { maxLength: 3 }))
    .map(([a, bad, b]) => ({
      reservation_id: `r-${randomUUID()}`,
      items: [...a, bad, ...b],
    })),
  fc.tuple(unknownKey, anyJson).map(([key, value]) => ({
    reservation_id: 'r-1',
    items: [{ sku: 'NOPE-1', quantity: 1 }],
    [key || 'x']: value,
  })),
  notAnObject,
);

/** Text that is not JSON: truncations of a good body, near-misses, garbage. */
const notJson = fc
  .oneof(
    fc.nat({ max: 120 }).map((cut) => jsonText(aProduct()).slice(0, cut + 1)),
    fc.constantFrom(
      "{'sku':'x'}",
      '{"sku":"x",}',
      '{"a":1}x',
      '{"a":NaN}',
      '{"a":Infinity}',
      '{"a":01}',
      '{"a":.5}',
      '\ufeff{"a":1}',
      '{"a":"\\x41"}',
      '{"a":"\\ud800',
      '/* c */{}',
      '[1,]',
      'undefined',
      'nul',
      '"',
      '{"a":1}{"b":2}',
      '{"a"\u0000:1}',
      '{"a":"line\nbreak"}',
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
    'text/plain; charset=utf-8',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'text/json',
    'application/json-seq',
    'application/jsonp',
    'application/javascript',
    'image/png',
    'json',
    'application/ json',
    '*/*',
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

describe('fuzzing the products API', () => {
  let products: ProductsUnderTest;
  let url: string;
  let tenant: string;
  let admin: string;
  let service: string;
  let catalog: Json[];

  /** The fuzzed tenant's whole catalog as its admin sees it: ids, versions, stock. */
  const snapshot = async () => {
    const reply = await send(url, {
      method: 'GET',
      path: '/products?limit=100&sort=created_at',
      token: admin,
    });
    expect(reply.status).toBe(200);
    return reply.body.items as Json[];
  };

  beforeAll(async () => {
    products = await startProducts(sqlEngines[0]!, issuer);
    url = products.api.url;
    tenant = newTenant();
    admin = await tokens.admin(tenant);
    service = await tokens.service(tenant);
    for (const overrides of [{ sku: 'NOPE-1' }, { is_active: false }, {}]) {
      const reply = await send(url, {
        method: 'POST',
        path: '/products',
        token: admin,
        body: aProduct(overrides),
      });
      expect(reply.status).toBe(201);
    }
  });
  afterAll(() => products?.close());
  // Each test compares with the catalog as it found it, so a write is reported by the test that made it.
  beforeEach(async () => {
    catalog = await snapshot();
  });

  const productId = () => catalog[0]!.product_id as string;
  /** Requests every generated body goes to, with the caller allowed to make it. */
  const bodyRoutes = () => [
    { method: 'POST', path: '/products', token: admin },
    { method: 'PUT', path: `/products/${productId()}`, token: admin },
    { method: 'POST', path: '/stock/reservations', token: service },
  ];

  async function expectNothingWritten() {
    expect(await snapshot()).toEqual(catalog);
  }

  it('When POST /products gets any invalid body, then a 4xx problem and nothing is created', async () => {
    await fc.assert(
      fc.asyncProperty(invalidNewProduct, async (body) => {
        const reply = await send(url, {
          method: 'POST',
          path: '/products',
          token: admin,
          body: Buffer.from(jsonText(body)),
          headers: { 'content-type': 'application/json' },
        });
        expectClientProblem(reply);
        expect(reply.status).toBe(400);
      }),
      fuzzOptions(250),
    );
    await expectNothingWritten();
  });

  it('When PUT /products/:id gets any invalid body, then a 4xx problem and the product is unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(invalidChanges, async (body) => {
        const reply = await send(url, {
          method: 'PUT',
          path: `/products/${productId()}`,
          token: admin,
          body: Buffer.from(jsonText(body)),
          headers: { 'content-type': 'application/json' },
        });
        expectClientProblem(reply);
        expect(reply.status).toBe(400);
      }),
      fuzzOptions(250),
    );
    await expectNothingWritten();
  });

  it('When POST /stock/reservations gets any invalid body, then a 4xx problem and no stock moves', async () => {
    await fc.assert(
      fc.asyncProperty(invalidReservation, async (body) => {
        const reply = await send(url, {
          method: 'POST',
          path: '/stock/reservations',
          token: service,
          body: Buffer.from(jsonText(body)),
          headers: { 'content-type': 'application/json' },
        });
        expectClientProblem(reply);
      }),
      fuzzOptions(250),
    );
    await expectNothingWritten();
  });

  it('When a body route gets text that is not JSON, then 400 malformed_json and nothing is written', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 2 }), notJson, async (which, text) => {
        const route = bodyRoutes()[which]!;
        const reply = await send(url, {
          ...route,
          body: Buffer.from(text),
          headers: { 'content-type': 'application/json' },
        });
        expectProblem(reply, 400, 'malformed_json');
      }),
      fuzzOptions(200),
    );
    await expectNothingWritten();
  });

  it('When a body route gets a valid body under another content type, or none, then 415 and nothing is written', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 2 }),
        fc.option(nonJsonType, { nil: undefined }),
        async (which, type) => {
          const route = bodyRoutes()[which]!;
          const body = [
            aProduct(),
            { name: 'Changed' },
            { reservation_id: `r-${randomUUID()}`, items: [{ product_id: productId(), quantity: 1 }] },
          ][which];
          const reply = await send(url, {
            ...route,
            body: Buffer.from(JSON.stringify(body)),
            headers: type === undefined ? {} : { 'content-type': type },
          });
          expectProblem(reply, 415, 'unsupported_media_type');
        },
      ),
      fuzzOptions(150),
    );
    await expectNothingWritten();
  });

  it.each([
    ['10 000 nested arrays', '['.repeat(10_000) + ']'.repeat(10_000)],
    ['400 000 nested arrays (just under the limit)', '['.repeat(400_000) + ']'.repeat(400_000)],
    ['10 000 nested objects', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`],
    [
      'an items array nested 10 000 deep',
      `{"reservation_id":"r-deep","items":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
    ],
    [
      '100 000 lines',
      JSON.stringify({
        reservation_id: 'r-huge',
        items: Array.from({ length: 100_000 }, () => ({ sku: 'A', quantity: 1 })),
      })
        .slice(0, 1_000_000)
        .replace(/,?\{[^}]*$/, ']}'),
    ],
    ['a 900 kB name', JSON.stringify(aProduct({ name: 'n'.repeat(900_000) }))],
    [
      '200 000 unknown fields',
      `{${Array.from({ length: 200_000 }, (_, i) => `"f${i}":0`)
        .join(',')
        .slice(0, 1_000_000)
        .replace(/,[^,]*$/, '')}}`,
    ],
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
    ['declared and sent', 1_048_577, false],
    ['sent without a length (chunked)', 1_048_577, true],
    ['far over the limit', 5_000_000, false],
  ] as const)(
    'When a body is over the 1 MiB limit, %s, then 413 and nothing is written',
    async (_, size, chunked) => {
      const prefix = '{"name":"';
      const text = `${prefix}${'x'.repeat(size - prefix.length - 2)}"}`;
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

  const listParams = ['limit', 'cursor', 'q', 'active', 'sku', 'sort'];
  const badQueryValue: Record<string, fc.Arbitrary<string>> = {
    limit: fc.oneof(
      fc.constantFrom('0', '101', '-1', '1.5', 'ten', '', '1e400', '9007199254740993', 'NaN', '0x10', ' '),
      exoticText,
    ),
    cursor: fc.oneof(
      fc.string({ minLength: 1, maxLength: 80 }),
      fc.base64String({ minLength: 4, maxLength: 80 }).map((s) => `${s}.${s}`),
      fc.constant('x'.repeat(4097)),
    ),
    q: fc.oneof(fc.constant(''), fc.string({ minLength: 201, maxLength: 230 }), poisonedText),
    active: fc.constantFrom('yes', '2', 'TRUEISH', '', 'null', '[]'),
    sku: badSku.filter((s): s is string => typeof s === 'string'),
    sort: fc
      .oneof(
        fc.constantFrom('NAME', 'price,name', '--name', 'name ', '', 'tenant_id', 'product_id'),
        fc.string(),
      )
      .filter((s) => !['name', '-name', 'price', '-price', 'created_at', '-created_at'].includes(s)),
  };
  // A URL carries UTF-8: an unpaired surrogate cannot be put in one at all.
  const badQuery = fc.oneof(
    fc
      .constantFrom(...listParams)
      .chain((name) => badQueryValue[name]!.map((value) => [[name, value]] as Array<[string, string]>)),
    fc
      .tuple(
        fc.string({ minLength: 1, maxLength: 10 }).filter((name) => !listParams.includes(name)),
        fc.string(),
      )
      .map(([name, value]): Array<[string, string]> => [[name, value]]),
    fc.constantFrom('limit', 'sort', 'active', 'q').map(
      (name) =>
        [
          [name, name === 'limit' ? '1' : name === 'sort' ? 'name' : name === 'active' ? 'true' : 'x'],
          [name, name === 'limit' ? '2' : name === 'sort' ? 'price' : name === 'active' ? 'false' : 'y'],
        ] as Array<[string, string]>,
    ),
  );

  it('When the query string of GET /products breaks a rule, then 400 naming the parameter, for every kind of caller', async () => {
    const customer = await tokens.customer(tenant);
    const encodable = badQuery.filter((pairs) =>
      pairs.every(([name, value]) => name.isWellFormed() && value.isWellFormed()),
    );
    await fc.assert(
      fc.asyncProperty(encodable, fc.constantFrom(admin, customer, undefined), async (pairs, token) => {
        const search = pairs
          .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
          .join('&');
        const reply = await send(url, {
          method: 'GET',
          path: `/products?${search}`,
          token,
          headers: token ? {} : { 'x-tenant-id': tenant },
        });
        expectProblem(reply, 400);
        const named = pairs[0]![0] || 'query';
        expect(
          fieldsNamed(reply).some(
            (field) => field === named || field.startsWith(`${named}[`) || field === 'query',
          ),
          reply.text,
        ).toBe(true);
      }),
      fuzzOptions(250),
    );
  });

  it('When raw query bytes are malformed (bad percent-escapes, invalid UTF-8), then never a 5xx', async () => {
    const fragments = fc.constantFrom(
      '%',
      '%z',
      '%zz',
      '%E0%A4%A',
      '%C0%AF',
      '%ED%A0%80',
      '%FF',
      '%00',
      '%F0%9F%98',
      '+',
      '&&',
      '=',
      '==',
      'q',
      'q=%',
      'limit=%31%30',
      'cursor=%2e%2e',
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fragments, { minLength: 1, maxLength: 5 }), async (parts) => {
        const reply = await send(url, { method: 'GET', path: `/products?${parts.join('')}`, token: admin });
        expect(reply.status, reply.text).toBeLessThan(500);
        if (reply.status !== 200) expectClientProblem(reply);
      }),
      fuzzOptions(150),
    );
  });

  const pathSegment = fc.oneof(
    fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent).filter(notDotSegment),
    fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 10 })
      .map(encodeURIComponent)
      .filter(notDotSegment),
    fc.uuid().map((id) => id.toUpperCase()),
    fc.uuid(),
    fc.constantFrom(
      '%',
      '%zz',
      '%00',
      '%C0%AF',
      '%ED%A0%80',
      '%FF',
      '..',
      '%2e%2e',
      '%2F',
      'a%2Fb',
      '00000000-0000-0000-0000-000000000000',
      'x'.repeat(5000),
      '%F0%9F%9B%92',
    ),
  );

  it('When the id in a product or reservation path is fuzzed, then a 4xx problem (400 or 404), never a write', async () => {
    const routes = [
      { method: 'GET', prefix: '/products/', token: admin },
      { method: 'PUT', prefix: '/products/', token: admin, body: { name: 'Renamed by a fuzzer' } },
      { method: 'DELETE', prefix: '/products/', token: admin },
      { method: 'GET', prefix: '/stock/reservations/', token: service },
      { method: 'DELETE', prefix: '/stock/reservations/', token: service },
    ];
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: routes.length - 1 }), pathSegment, async (which, segment) => {
        const { prefix, ...route } = routes[which]!;
        const reply = await send(url, { ...route, path: `${prefix}${segment}` });
        expectClientProblem(reply);
      }),
      fuzzOptions(250),
    );
    await expectNothingWritten();
  });

  it('When an anonymous X-Tenant-Id is fuzzed, then 200 for a well-formed store id or 400 naming the header', async () => {
    const tenantId = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          headerValue(),
          fc.string({ minLength: 129, maxLength: 140 }),
          fc.constantFrom(
            '..',
            '*',
            tenant.toUpperCase(),
            `${tenant} `,
            `${tenant},${tenant}`,
            'a'.repeat(128),
            'a'.repeat(129),
          ),
        ),
        async (value) => {
          const reply = await send(url, {
            method: 'GET',
            path: '/products',
            headers: { 'x-tenant-id': value },
          });
          // Leading and trailing blanks are not part of a header value (RFC 9110 §5.5); an empty one is no
          // header at all, so the deployment's default store answers.
          const trimmed = value.replace(/^[ \t]+|[ \t]+$/g, '');
          if (trimmed === '' || tenantId.test(trimmed)) {
            expect(reply.status, reply.text).toBe(200);
          } else {
            expectProblem(reply, 400, 'validation_failed');
            expect(fieldsNamed(reply)).toEqual(['X-Tenant-Id']);
          }
        },
      ),
      fuzzOptions(250),
    );
  });

  it('When If-Match names anything but the current version, then 412 and nothing is written', async () => {
    const current = (await snapshot())[0]!.version as number;
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
          `"0x${current}"`,
          `'${current}'`,
          '**',
        ),
      )
      .filter((value) => !names(value));
    await fc.assert(
      fc.asyncProperty(fc.boolean(), ifMatch, async (put, value) => {
        const reply = await send(url, {
          method: put ? 'PUT' : 'DELETE',
          path: `/products/${productId()}`,
          token: admin,
          headers: { 'if-match': value },
          ...(put ? { body: { name: 'Changed under a fuzzed If-Match' } } : {}),
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
        'Bearer ',
        'Basic YWRtaW46YWRtaW4=',
        'bearer  x',
        `Bearer ${'a'.repeat(8000)}`,
        'Bearer eyJhbGciOiJub25lIn0.eyJ0ZW5hbnRfaWQiOiJ4Iiwicm9sZXMiOlsiYWRtaW4iXX0.',
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 2 }), authorization, async (which, value) => {
        const { token: _, ...route } = bodyRoutes()[which]!;
        const body = [
          aProduct(),
          { name: 'Changed' },
          { reservation_id: `r-${randomUUID()}`, items: [{ product_id: productId(), quantity: 1 }] },
        ][which];
        const reply = await send(url, { ...route, body, headers: { authorization: value } });
        expectProblem(reply, 401, 'unauthenticated');
      }),
      fuzzOptions(200),
    );
    await expectNothingWritten();
  });
});

// ---------------------------------------------------------------- text and numbers at the edges, on every engine

const named = (reply: RawReply) => `${reply.status} ${reply.text.slice(0, 300)}`;

describe.each(sqlEngines)('text and numbers at the edges on $engine', (target) => {
  let products: ProductsUnderTest;
  let url: string;

  beforeAll(async () => {
    products = await startProducts(target, issuer);
    url = products.api.url;
  });
  afterAll(() => products?.close());

  it.each([
    ['emoji', { name: '🛒 Basket 👩‍👩‍👧‍👦 🇪🇺', description: '😀'.repeat(1000) }],
    [
      'right-to-left text and bidi controls',
      { name: 'عربة التسوق \u202eevil\u202c', description: 'שלום\u200f' },
    ],
    [
      'combining marks and zero-width characters',
      { name: 'Cafe\u0301 \u200b\u200d\u2060', description: 'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇' },
    ],
    ['the longest name and description', { name: 'N'.repeat(200), description: 'line\n\ttab '.repeat(500) }],
    ['the highest price and stock', { price: 99999999.99, stock_quantity: 1_000_000_000 }],
    ['the lowest price', { price: 0.01, stock_quantity: 0 }],
  ])('When a product has %s, then it is created and reads back exactly', async (_, overrides) => {
    const admin = await tokens.admin(newTenant());
    const input = aProduct(overrides);

    const created = await send(url, { method: 'POST', path: '/products', token: admin, body: input });
    const readBack = await send(url, {
      method: 'GET',
      path: `/products/${created.body.product_id}`,
      token: admin,
    });

    expect(created.status, named(created)).toBe(201);
    expect(readBack.body).toEqual(created.body);
    expect(readBack.body).toEqual(expect.objectContaining(overrides));
  });

  const invalidUtf8 = (bytes: number[]) => {
    const text = jsonText(aProduct({ name: '\u0001MARK\u0001' }));
    const [before, after] = text.split('\\u0001MARK\\u0001');
    return Buffer.concat([Buffer.from(before!), Buffer.from(bytes), Buffer.from(after!)]);
  };

  it.each([
    ['a NUL character in the name', jsonText(aProduct({ name: 'Nul\u0000byte' })), 'name'],
    ['a NUL character in the description', jsonText(aProduct({ description: 'a\u0000b' })), 'description'],
    ['a lone high surrogate in the name', jsonText(aProduct({ name: 'half \ud83d' })), 'name'],
    [
      'a lone low surrogate in the description',
      jsonText(aProduct({ description: '\ude00 half' })),
      'description',
    ],
    ['reversed surrogates in the name', jsonText(aProduct({ name: '\ude00\ud83d' })), 'name'],
  ])('When a product has %s, then 400 names the field and nothing is created', async (_, text, field) => {
    const admin = await tokens.admin(newTenant());

    const reply = await send(url, {
      method: 'POST',
      path: '/products',
      token: admin,
      body: Buffer.from(text),
      headers: { 'content-type': 'application/json' },
    });

    expectProblem(reply, 400, 'validation_failed');
    expect(fieldsNamed(reply)).toEqual([field]);
    expect((await send(url, { method: 'GET', path: '/products', token: admin })).body.items).toEqual([]);
  });

  it.each([
    ['an invalid byte (0xFF)', [0xff]],
    ['an overlong "/" (C0 AF)', [0xc0, 0xaf]],
    ['an overlong NUL (C0 80)', [0xc0, 0x80]],
    ['an encoded surrogate (ED A0 80)', [0xed, 0xa0, 0x80]],
    ['a truncated sequence (E2 82)', [0xe2, 0x82]],
    ['a code point above U+10FFFF (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80]],
  ])('When the body bytes hold %s, then 400 malformed_json and nothing is created', async (_, bytes) => {
    const admin = await tokens.admin(newTenant());

    const reply = await send(url, {
      method: 'POST',
      path: '/products',
      token: admin,
      body: invalidUtf8(bytes),
      headers: { 'content-type': 'application/json' },
    });

    expectProblem(reply, 400, 'malformed_json');
    expect((await send(url, { method: 'GET', path: '/products', token: admin })).body.items).toEqual([]);
  });

  /** A product body with `field` written as the literal JSON text `literal`. */
  const withLiteral = (field: string, literal: string) =>
    jsonText(aProduct()).replace(new RegExp(`"${field}":[^,}]+`), `"${field}":${literal}`);

  it.each([
    ['0.1 + 0.2', 'price', '0.30000000000000004'],
    ['a hundred-millionth of a cent', 'price', '1.0000000001'],
    ['three decimals', 'price', '1.005'],
    ['1e308', 'price', '1e308'],
    ['1e400 (Infinity once parsed)', 'price', '1e400'],
    ['-0', 'price', '-0'],
    ['2^53 + 1', 'price', '9007199254740993'],
    ['the smallest double', 'price', '5e-324'],
    ['half a cent over the maximum', 'price', '99999999.995'],
    ['a numeric string', 'price', '"12.50"'],
    ['"NaN"', 'price', '"NaN"'],
    ['a fraction', 'stock_quantity', '1.5'],
    ['one over the maximum', 'stock_quantity', '1000000001'],
    ['2^53 + 1', 'stock_quantity', '9007199254740993'],
    ['1e400', 'stock_quantity', '1e400'],
    ['a numeric string', 'stock_quantity', '"5"'],
  ])(
    'When a product’s number is %s (%s: %s), then 400 names it and nothing is created',
    async (_, field, literal) => {
      const admin = await tokens.admin(newTenant());

      const reply = await send(url, {
        method: 'POST',
        path: '/products',
        token: admin,
        body: Buffer.from(withLiteral(field, literal)),
        headers: { 'content-type': 'application/json' },
      });

      expectProblem(reply, 400, 'validation_failed');
      expect(fieldsNamed(reply)).toEqual([field]);
      expect((await send(url, { method: 'GET', path: '/products', token: admin })).body.items).toEqual([]);
    },
  );

  it.each([
    ['price', '1E1', 10],
    ['price', '12.50', 12.5],
    ['price', '0.10', 0.1],
    ['stock_quantity', '-0', 0],
    ['stock_quantity', '1e9', 1_000_000_000],
  ])(
    'When a product’s %s is written %s, then it is read as %s and reads back exactly',
    async (field, literal, value) => {
      const admin = await tokens.admin(newTenant());

      const created = await send(url, {
        method: 'POST',
        path: '/products',
        token: admin,
        body: Buffer.from(withLiteral(field, literal)),
        headers: { 'content-type': 'application/json' },
      });
      const readBack = await send(url, {
        method: 'GET',
        path: `/products/${created.body.product_id}`,
        token: admin,
      });

      expect(created.status, named(created)).toBe(201);
      expect(Object.is(readBack.body[field], value)).toBe(true);
    },
  );

  it.each([
    ['limit', '1.5'],
    ['limit', '1e1'],
    ['limit', '0x10'],
    ['limit', '+5'],
    ['limit', ' 5'],
  ])('When the query has %s=%s, then 400 names it (not read as a nearby integer)', async (name, value) => {
    const admin = await tokens.admin(newTenant());

    const reply = await send(url, {
      method: 'GET',
      path: `/products?${name}=${encodeURIComponent(value)}`,
      token: admin,
    });

    expectProblem(reply, 400, 'validation_failed');
    expect(fieldsNamed(reply)).toEqual([name]);
  });

  it.each([
    ['a NUL', '%00', 400],
    // Percent-decoding is UTF-8: an encoded surrogate arrives as U+FFFD, harmless text to search for.
    ['an encoded surrogate', '%ED%A0%80', 200],
    ['emoji', '%F0%9F%9B%92', 200],
    ['right-to-left text', encodeURIComponent('عربة'), 200],
  ])('When the search text holds %s (%s), then %s, never a 5xx', async (_, q, status) => {
    const admin = await tokens.admin(newTenant());

    const reply = await send(url, { method: 'GET', path: `/products?q=${q}`, token: admin });

    expect(reply.status, named(reply)).toBe(status);
    if (status === 400) expect(fieldsNamed(reply)).toEqual(['q']);
  });
});
