// One face over the three sign-in modes: who is signed in, a bearer token that is fresh, renewal after a
// 401 (refresh token, or the dev issuer again), and sign-out. Mode-specific sign-in lives in dev.ts,
// oidc.ts and firebase.ts; the views call those and hand the session here.

import type { KeyValueStorage } from '../cart.ts';
import type { StorefrontConfig } from '../config.ts';
import { decodeJwtPayload, type Identity, identityFromClaims } from '../jwt.ts';
import { devRefresh } from './dev.ts';
import { firebaseRefresh } from './firebase.ts';
import { oidcLogoutUrl, oidcRefresh } from './oidc.ts';
import { needsRenewal, readSession, type Session, writeSession } from './session.ts';

export class Auth {
  readonly #config: StorefrontConfig;
  readonly #storage: KeyValueStorage;
  readonly #page: () => string;
  #session: Session | null;
  #renewing: Promise<boolean> | null = null;
  readonly #listeners = new Set<() => void>();

  constructor(config: StorefrontConfig, storage: KeyValueStorage, page: () => string) {
    this.#config = config;
    this.#storage = storage;
    this.#page = page;
    const stored = readSession(storage);
    // A session of another mode (config changed under a live tab) is not ours to use.
    this.#session = stored && stored.mode === config.auth.mode ? stored : null;
  }

  get session(): Session | null {
    return this.#session;
  }

  /** For display only (decoded, not verified): the API decides what the user may do. */
  get identity(): Identity | null {
    const token = this.#session?.idToken ?? this.#session?.apiToken;
    const claims = token ? decodeJwtPayload(token) : null;
    const apiClaims = this.#session ? decodeJwtPayload(this.#session.apiToken) : null;
    if (!claims && !apiClaims) return null;
    // The API token's claims are what the API reads; the ID token fills in what it lacks (e.g. email).
    return identityFromClaims({ ...claims, ...apiClaims }, this.#config.auth.claims);
  }

  get isAdmin(): boolean {
    return this.identity?.role === 'admin';
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  signedIn(session: Session): void {
    this.#set(session);
  }

  /** A bearer token that will not lapse in the next minute, or null when signed out. */
  async bearer(): Promise<string | null> {
    if (!this.#session) return null;
    if (needsRenewal(this.#session)) await this.renew();
    return this.#session?.apiToken ?? null;
  }

  /**
   * After a 401 or near expiry: get a new token. Concurrent callers share one renewal. False means
   * the session is over and the user must sign in again (the session is then cleared).
   */
  renew(): Promise<boolean> {
    this.#renewing ??= this.#renew().finally(() => {
      this.#renewing = null;
    });
    return this.#renewing;
  }

  async #renew(): Promise<boolean> {
    const session = this.#session;
    if (!session) return false;
    const auth = this.#config.auth;
    let next: Session | null = null;
    try {
      if (auth.mode === 'dev') next = await devRefresh(auth, session, this.#page());
      if (auth.mode === 'oidc') next = await oidcRefresh(auth, this.#storage, session);
      if (auth.mode === 'firebase') next = await firebaseRefresh(auth, session);
    } catch {
      next = null;
    }
    this.#set(next);
    return next !== null;
  }

  /** Forgets the session; returns the provider's sign-out page to visit, if it has one. */
  async signOut(): Promise<string | null> {
    const session = this.#session;
    this.#set(null);
    const auth = this.#config.auth;
    return auth.mode === 'oidc' ? oidcLogoutUrl(auth, this.#storage, session, this.#page()) : null;
  }

  #set(session: Session | null) {
    this.#session = session;
    writeSession(this.#storage, session);
    for (const listener of this.#listeners) listener();
  }
}
