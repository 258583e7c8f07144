import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answeredNotModified,
  createHttpApp,
  hashedEtag,
  ifNoneMatchMatches,
  NO_STORE,
  PRIVATE_NO_STORE,
  parseIfNoneMatch,
  sharedCacheControl,
} from '../src/index.ts';
import { listen, type TestServer } from '../src/testing/index.ts';

describe('If-None-Match', () => {
  it.each([
    ['absent', undefined, undefined],
    ['*', '*', '*'],
    ['* with white space', ' * ', '*'],
    ['one tag', '"3"', ['"3"']],
    ['an empty tag', '""', ['""']],
    ['a weak tag, W/ dropped', 'W/"3"', ['"3"']],
    ['a list', '"1", W/"2",  "3"', ['"1"', '"2"', '"3"']],
    ['a list without spaces', '"1","2"', ['"1"', '"2"']],
    ['empty list members', ' , "1" ,, "2", ', ['"1"', '"2"']],
    ['a comma inside a tag', '"a,b", "c"', ['"a,b"', '"c"']],
    ['tabs as white space', '\t"1"\t,\t"2"', ['"1"', '"2"']],
    ['obs-text in a tag', '"caf\u00e9"', ['"caf\u00e9"']],
  ])('When it is %s, then it parses to what it lists', (_, header, expected) => {
    expect(parseIfNoneMatch(header)).toEqual(expected);
  });

  it.each([
    ['an unquoted tag', '3'],
    ['an unterminated tag', '"3'],
    ['two tags without a comma', '"1" "2"'],
    ['* inside a list', '"1", *'],
    ['a lower-case weak prefix', 'w/"3"'],
    ['a space after W/', 'W/ "3"'],
    ['a quote inside a tag', '"a"b"'],
    ['a control character in a tag', '"a\u0001"'],
    ['a good tag after a bad one', 'x, "3"'],
    ['only commas', ', ,'],
    ['empty', ''],
  ])(
    'When it is malformed (%s), then it lists nothing, so nothing matches and the full response is sent',
    (_, header) => {
      expect(parseIfNoneMatch(header)).toEqual([]);
      expect(ifNoneMatchMatches(header, '"3"')).toBe(false);
    },
  );

  it.each([
    ['the same strong tag', '"3"', '"3"', true],
    ['a weak tag of the same opaque value (weak comparison)', 'W/"3"', '"3"', true],
    ['the strong form of a weak current tag', '"3"', 'W/"3"', true],
    ['one of a list', '"1", "3", "5"', '"3"', true],
    ['*', '*', '"anything"', true],
    ['another tag', '"4"', '"3"', false],
    ['a tag that only contains the current one', '"33"', '"3"', false],
    ['no header', undefined, '"3"', false],
    ['case differences (tags are opaque)', '"abc"', '"ABC"', false],
  ])('When the header holds %s, then it matches: %s', (_, header, current, expected) => {
    expect(ifNoneMatchMatches(header, current as string)).toBe(expected);
  });
});

describe('Cache-Control', () => {
  it('When shared caches may keep a response, then it is public with its max-age and stale-while-revalidate', () => {
    expect(sharedCacheControl({ maxAgeSeconds: 30, staleWhileRevalidateSeconds: 15 })).toBe(
      'public, max-age=30, stale-while-revalidate=15',
    );
  });

  it('When stale-while-revalidate is 0, then the directive is left out', () => {
    expect(sharedCacheControl({ maxAgeSeconds: 30, staleWhileRevalidateSeconds: 0 })).toBe(
      'public, max-age=30',
    );
  });

  it('When max-age is 0, then it is no-cache: stored responses are revalidated on every use', () => {
    expect(sharedCacheControl({ maxAgeSeconds: 0, staleWhileRevalidateSeconds: 30 })).toBe('no-cache');
  });

  it('When nothing may be stored, then the values say so', () => {
    expect({ NO_STORE, PRIVATE_NO_STORE }).toEqual({
      NO_STORE: 'no-store',
      PRIVATE_NO_STORE: 'private, no-store',
    });
  });
});

describe('hashed ETags', () => {
  it('When made from the same parts, then they are the same strong tag of 128 bits', () => {
    const tag = hashedEtag(['format/1', 'acme', 'id-1', 3, 'cursor']);

    expect(tag).toMatch(/^"[\w-]{22}"$/);
    expect(hashedEtag(['format/1', 'acme', 'id-1', 3, 'cursor'])).toBe(tag);
  });

  it.each([
    ['a part changes', ['format/1', 'acme', 'id-1', 4]],
    ['a part is added', ['format/1', 'acme', 'id-1', 3, '']],
    ['the parts are in another order', ['acme', 'format/1', 'id-1', 3]],
    ['the same characters are split differently', ['format/1a', 'cme', 'id-1', 3]],
  ])('When %s, then the tag differs', (_, parts) => {
    expect(hashedEtag(parts)).not.toBe(hashedEtag(['format/1', 'acme', 'id-1', 3]));
  });
});

describe('conditional GET', () => {
  let server: TestServer;
  let bodiesBuilt = 0;

  beforeAll(async () => {
    const app = createHttpApp();
    app.use((ctx) => {
      ctx.vary('X-Tenant-Id');
      if (answeredNotModified(ctx, { etag: '"7"', cacheControl: 'public, max-age=5' })) return;
      bodiesBuilt++;
      ctx.body = { version: 7 };
    });
    server = await listen(app.callback());
  });
  afterAll(() => server?.close());

  const send = (method: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/thing`, { method, headers });

  it('When If-None-Match names the current tag, then 304 with no body, the tag and the cache headers, and no body is built', async () => {
    const before = bodiesBuilt;

    const reply = await send('GET', { 'if-none-match': 'W/"6", W/"7"' });

    expect(reply.status).toBe(304);
    expect(await reply.text()).toBe('');
    expect({
      etag: reply.headers.get('etag'),
      cacheControl: reply.headers.get('cache-control'),
      vary: reply.headers.get('vary'),
      contentType: reply.headers.get('content-type'),
    }).toEqual({ etag: '"7"', cacheControl: 'public, max-age=5', vary: 'X-Tenant-Id', contentType: null });
    expect(bodiesBuilt).toBe(before);
  });

  it('When If-None-Match names another tag or is absent, then 200 with the body, the tag and the cache headers', async () => {
    const conditions: Record<string, string>[] = [{ 'if-none-match': '"6"' }, {}];
    for (const headers of conditions) {
      const reply = await send('GET', headers);

      expect(reply.status).toBe(200);
      expect(await reply.json()).toEqual({ version: 7 });
      expect(reply.headers.get('etag')).toBe('"7"');
      expect(reply.headers.get('cache-control')).toBe('public, max-age=5');
    }
  });

  it('When a HEAD request names the current tag, then 304 too', async () => {
    expect((await send('HEAD', { 'if-none-match': '"7"' })).status).toBe(304);
  });

  it('When the method is not GET or HEAD, then If-None-Match never turns it into a 304', async () => {
    const reply = await send('POST', { 'if-none-match': '*' });

    expect(reply.status).toBe(200);
    expect(await reply.json()).toEqual({ version: 7 });
  });
});
