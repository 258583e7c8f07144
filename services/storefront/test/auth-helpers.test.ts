// The DOM-free pieces of sign-in and error display: PKCE, JWT payload reading, claim mapping, sessions,
// problem details as sentences.
import { describe, expect, it } from 'vitest';
import { expiryOf, needsRenewal, readSession, type Session, writeSession } from '../web/auth/session.ts';
import type { ClaimNames } from '../web/config.ts';
import { decodeJwtPayload, identityFromClaims, stringList } from '../web/jwt.ts';
import { base64UrlEncode, codeChallenge, randomToken } from '../web/pkce.ts';
import { fieldLabel, fieldMessages, problemSummary, toProblem } from '../web/problem.ts';

const jwt = (payload: object) =>
  ['{"alg":"none"}', JSON.stringify(payload), 'sig']
    .map((part, i) => (i === 2 ? part : base64UrlEncode(new TextEncoder().encode(part))))
    .join('.');

describe('PKCE', () => {
  it('When the RFC 7636 example verifier is hashed, then the challenge is the RFC’s', async () => {
    expect(await codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('When verifiers are made, then they are 43 unreserved characters and never repeat', () => {
    const tokens = new Set(Array.from({ length: 50 }, () => randomToken(32)));

    expect(tokens.size).toBe(50);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('reading tokens for display', () => {
  const dev: ClaimNames = {
    tenant: ['tenant_id'],
    user: ['sub'],
    email: ['email'],
    roles: ['roles'],
    adminRole: 'admin',
  };

  it('When a dev token is decoded, then store, user, email, role and expiry are read (UTF-8 too)', () => {
    const token = jwt({
      tenant_id: 'demo',
      sub: 'zoë',
      email: 'zoë@demo.shop',
      roles: ['admin'],
      exp: 1_900_000_000,
    });

    expect(identityFromClaims(decodeJwtPayload(token)!, dev)).toEqual({
      userId: 'zoë',
      email: 'zoë@demo.shop',
      tenant: 'demo',
      role: 'admin',
      expiresAt: 1_900_000_000_000,
    });
  });

  it('When claims follow Cognito, Firebase or a gateway’s flattening, then the presets read them', () => {
    const cognito: ClaimNames = {
      tenant: ['custom:tenant_id'],
      user: ['sub'],
      email: ['email'],
      roles: ['cognito:groups'],
      adminRole: 'admin',
    };
    const firebase: ClaimNames = {
      tenant: ['tenant_id', 'firebase.tenant'],
      user: ['user_id', 'sub'],
      email: ['email'],
      roles: ['roles'],
      adminFlag: 'admin',
      adminRole: 'admin',
    };

    expect(
      identityFromClaims({ sub: 'u', 'custom:tenant_id': 'acme', 'cognito:groups': ['admin'] }, cognito),
    ).toMatchObject({ tenant: 'acme', role: 'admin' });
    expect(
      identityFromClaims({ user_id: 'f', firebase: { tenant: 'shop-1' }, admin: true }, firebase),
    ).toMatchObject({ userId: 'f', tenant: 'shop-1', role: 'admin' });
    expect(identityFromClaims({ sub: 'u', roles: '[customer]' }, dev)).toMatchObject({
      tenant: null,
      role: 'customer',
      email: null,
      expiresAt: null,
    });
    expect(stringList('a,b c')).toEqual(['a', 'b', 'c']);
  });

  it('When a token is not a JWT, then nothing is decoded', () => {
    expect(decodeJwtPayload('opaque-access-token')).toBeNull();
    expect(decodeJwtPayload('a.!!!.c')).toBeNull();
    expect(decodeJwtPayload(jwt([1, 2]))).toBeNull();
  });
});

describe('sessions', () => {
  it('When a session is stored and read back, then it is the same; a broken one reads as signed out', () => {
    const data = new Map<string, string>();
    const storage = {
      getItem: (k: string) => data.get(k) ?? null,
      setItem: (k: string, v: string) => void data.set(k, v),
      removeItem: (k: string) => void data.delete(k),
    };
    const session: Session = { mode: 'dev', apiToken: 't', expiresAt: 5 };

    writeSession(storage, session);
    expect(readSession(storage)).toEqual(session);
    data.set('shop.session.v1', '{"apiToken": 1}');
    expect(readSession(storage)).toBeNull();
    writeSession(storage, null);
    expect(data.size).toBe(0);
  });

  it('When expiry is worked out, then exp wins, then expires_in, then an hour; renewal starts a minute early', () => {
    const now = 1_000_000;

    expect(expiryOf(jwt({ exp: 2000 }), 10, now)).toBe(2_000_000);
    expect(expiryOf('opaque', '120', now)).toBe(now + 120_000);
    expect(expiryOf('opaque', undefined, now)).toBe(now + 3_600_000);
    expect(needsRenewal({ mode: 'dev', apiToken: 't', expiresAt: now + 59_000 }, now)).toBe(true);
    expect(needsRenewal({ mode: 'dev', apiToken: 't', expiresAt: now + 61_000 }, now)).toBe(false);
  });
});

describe('problem details as sentences', () => {
  it('When a validation problem comes back, then the detail and each field are readable', () => {
    const problem = toProblem(400, {
      type: 'https://shop.dev/problems/validation-failed',
      title: 'Bad Request',
      status: 400,
      code: 'validation_failed',
      detail: 'The request body is not valid.',
      errors: [
        { in: 'body', field: 'shipping_address', message: 'must be string' },
        { in: 'body', field: 'shipping_address.zip_code', message: 'must not have fewer than 1 characters' },
        { in: 'body', field: 'items[1].quantity', message: 'must be >= 1' },
        { in: 'body', field: 'customer_email', message: 'must match format "email"' },
      ],
    });

    expect(problemSummary(problem)).toBe('The request body is not valid.');
    expect(fieldMessages(problem)).toEqual([
      'Shipping address: ZIP / postal code: is required',
      'Item 2: quantity: must be >= 1',
      'Email: must be an email address',
    ]);
  });

  it('When errors carry no detail (OAuth, Google, text, nothing), then a sentence still comes out', () => {
    expect(
      problemSummary(toProblem(400, { error: 'invalid_grant', error_description: 'Code expired' })),
    ).toBe('Code expired');
    expect(problemSummary(toProblem(400, { error: { code: 400, message: 'EMAIL_EXISTS' } }))).toBe(
      'EMAIL_EXISTS',
    );
    expect(problemSummary(toProblem(404, '<html>nginx</html>'))).toBe('Not found.');
    expect(problemSummary(toProblem(0, null))).toMatch(/cannot be reached/);
    expect(problemSummary(toProblem(500, { detail: 'stack trace here', status: 500 }))).toMatch(
      /went wrong on our side/,
    );
    expect(problemSummary(toProblem(503, { title: 'Service Unavailable', status: 503 }))).toBe(
      'Service Unavailable',
    );
  });

  it('When field paths are named, then they read as labels', () => {
    expect(fieldLabel('body.billing_address.street')).toBe('Billing address: street');
    expect(fieldLabel('stock_quantity')).toBe('Stock');
    expect(fieldLabel('If-Match')).toBe('Version');
  });
});
