import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPageCursors } from '../src/cursor.ts';
import type { AppError } from '../src/errors.ts';

const options = {
  secret: 'a secret long enough for the test',
  purpose: 'test-cursor',
  refusal: 'is not a cursor here',
};
const cursors = createPageCursors(options);
const scope = ['acme', 'price'];
const position = { k: 1999, i: '0b9f6c1e-2d4a-4c8e-9f10-6a7b8c9d0e01' };
const readAny = (value: Readonly<Record<string, unknown>>) => value;

const refusal = (work: () => unknown): AppError => {
  try {
    work();
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected the cursor to be refused');
};

describe('signed page cursors', () => {
  it('When a cursor comes back to the list that made it, then it decodes to the same position', () => {
    const cursor = cursors.encode(position, scope);

    expect(cursor).toMatch(/^[\w-]+\.[\w-]{22}$/);
    expect(cursors.decode(cursor, scope, readAny)).toEqual(position);
  });

  it('When a cursor is decoded, then it holds the position and nothing of its scope', () => {
    const cursor = cursors.encode(position, ['tenant-marker-7f3a', 'customer-marker-9c1e']);
    const payload = Buffer.from(cursor.split('.')[0] as string, 'base64url').toString();

    expect(JSON.parse(payload)).toEqual(position);
    expect(cursor).not.toMatch(/marker/);
  });

  const cursor = cursors.encode(position, scope);
  const [payload, tag] = cursor.split('.') as [string, string];
  const edited = Buffer.from(JSON.stringify({ ...position, k: 1 })).toString('base64url');

  it.each([
    ['another tenant', cursor, ['globex', 'price']],
    ['another scope', cursor, ['acme', '-price']],
    ['a longer scope', cursor, ['acme', 'price', '*']],
    ['scope parts run together', cursors.encode(position, ['ac', 'meprice']), ['acme', 'price']],
    [
      'another secret',
      createPageCursors({ ...options, secret: 'another secret' }).encode(position, scope),
      scope,
    ],
    ['another purpose', createPageCursors({ ...options, purpose: 'other' }).encode(position, scope), scope],
    ['an edited position', `${edited}.${tag}`, scope],
    ['an edited tag', `${payload}.${tag.slice(0, -2)}AA`, scope],
    ['a short tag', `${payload}.${tag.slice(0, 10)}`, scope],
    ['a third part', `${cursor}.x`, scope],
    ['no tag', payload, scope],
    ['nothing', '', scope],
    ['text that is not base64', 'bm90LWEtY3Vyc29y', scope],
  ])('When a cursor comes from %s, then 400 names the cursor', (_, value, where) => {
    const error = refusal(() => cursors.decode(value as string, where as string[], readAny));

    expect(error.status).toBe(400);
    expect(error.errors).toEqual([{ in: 'query', field: 'cursor', message: 'is not a cursor here' }]);
  });

  /** Signs a payload as createPageCursors does: HMAC(HMAC(secret, purpose), scope NUL payload), 16 bytes. */
  const signedByHand = (json: string) => {
    const key = createHmac('sha256', options.secret).update(`page-cursor\u0000${options.purpose}`).digest();
    const body = Buffer.from(json).toString('base64url');
    const mac = createHmac('sha256', key)
      .update(JSON.stringify(scope))
      .update('\u0000')
      .update(body)
      .digest();
    return `${body}.${mac.subarray(0, 16).toString('base64url')}`;
  };

  it('When a payload is signed by hand as documented, then it is the cursor encode makes', () => {
    expect(signedByHand(JSON.stringify(position))).toBe(cursor);
  });

  it.each([['"text"'], ['[1,2]'], ['null'], ['{"k":']])(
    'When a correctly signed payload is %s, not a position, then 400',
    (json) => {
      expect(refusal(() => cursors.decode(signedByHand(json), scope, readAny)).status).toBe(400);
    },
  );

  it('When the service refuses the position it reads, then 400', () => {
    expect(refusal(() => cursors.decode(cursor, scope, () => undefined)).status).toBe(400);
  });
});
