// What every view gets: config, auth, the API client, the cart, and ways to talk to the user.

import type { Api } from './api.ts';
import type { Auth } from './auth/auth.ts';
import { type Cart, type KeyValueStorage, loadCart, saveCart } from './cart.ts';
import type { StorefrontConfig } from './config.ts';

export interface Route {
  /** `/orders/123` (the part of the hash before `?`). */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The whole hash route, `/orders?status=PENDING`, to come back to after signing in. */
  href: string;
}

export interface ViewResult {
  title: string;
  node: Node;
}

export type View = (app: AppContext, route: Route, signal: AbortSignal) => Promise<ViewResult>;

export interface AppContext {
  config: StorefrontConfig;
  auth: Auth;
  api: Api;
  cart: CartState;
  /** Read out by screen readers (a polite live region); `visible` also shows it briefly as a toast. */
  announce(message: string, options?: { visible?: boolean }): void;
  /** A message shown at the top of the next page (e.g. "Order placed"). */
  flash(message: string, kind?: 'success' | 'info' | 'error'): void;
  navigate(href: string, options?: { replace?: boolean }): void;
  /** Re-render the current route. */
  refresh(): void;
  /** The store shown: the signed-in user's tenant, else the configured one. */
  tenant(): string;
  sessionStorage: KeyValueStorage;
}

/** The cart of the current store, persisted on every change and shared with other tabs. */
export class CartState {
  #storage: KeyValueStorage;
  #tenant: string;
  #cart: Cart;
  readonly #listeners = new Set<() => void>();

  constructor(storage: KeyValueStorage, tenant: string) {
    this.#storage = storage;
    this.#tenant = tenant;
    this.#cart = loadCart(storage, tenant);
  }

  get value(): Cart {
    return this.#cart;
  }

  /** Switches to another store's cart (signing in as another tenant). */
  useTenant(tenant: string): void {
    if (tenant === this.#tenant) return;
    this.#tenant = tenant;
    this.reload();
  }

  /** Picks up a change made in another tab. */
  reload(): void {
    this.#cart = loadCart(this.#storage, this.#tenant);
    this.#emit();
  }

  update(change: (cart: Cart) => Cart): Cart {
    this.#cart = change(this.#cart);
    saveCart(this.#storage, this.#tenant, this.#cart);
    this.#emit();
    return this.#cart;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit() {
    for (const listener of this.#listeners) listener();
  }
}
