import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiOf, describeWhereInstalled, listen, newTenant, type TestServer } from '../src/testing/index.ts';

describeWhereInstalled('a suite whose needs are all installed', [], () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await listen((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        const json = request.url === '/json';
        response.writeHead(201, { 'content-type': json ? 'application/json' : 'text/plain' });
        response.end(
          json
            ? JSON.stringify({
                method: request.method,
                auth: request.headers.authorization,
                body: JSON.parse(body),
              })
            : 'plain',
        );
      });
    });
  });
  afterAll(() => server.close());

  it('When a JSON request is sent with a token, then the reply is whole and parsed', async () => {
    const reply = await apiOf(server.url).post('/json', { token: 'abc', body: { a: 1 } });

    expect(reply.status).toBe(201);
    expect(reply.body).toEqual({ method: 'POST', auth: 'Bearer abc', body: { a: 1 } });
  });

  it('When a reply is not JSON, then its body is the text', async () => {
    expect((await apiOf(server.url).put('/text', { rawBody: '{}' })).body).toBe('plain');
  });

  it('When tenants are made, then each is new', () => {
    expect(new Set(Array.from({ length: 100 }, newTenant)).size).toBe(100);
  });
});

// Shown as a skipped placeholder (and said on stderr): the file must not pass with nothing behind it.
describeWhereInstalled('testing-kit self-check (this warning is expected)', ['no-such-tool'], () => {
  it('never runs', () => {
    throw new Error('a suite with something missing ran');
  });
});
