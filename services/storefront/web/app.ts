// The shell: header (who is signed in, store, role, cart count), hash routing (works from any static
// host: S3, Cloud Storage, Azure Storage, the local gateway), focus and live-region announcements on
// every page change, and the OIDC redirect coming back.

import { Api } from './api.ts';
import { Auth } from './auth/auth.ts';
import { completeOidcSignIn, isOidcCallback, redirectUriOf } from './auth/oidc.ts';
import { itemCount, type KeyValueStorage } from './cart.ts';
import type { StorefrontConfig } from './config.ts';
import { type AppContext, CartState, type Route, type View } from './context.ts';
import { h, replace } from './dom.ts';
import { adminEditProductView, adminNewProductView, adminProductsView } from './views/admin-products.ts';
import { cartView } from './views/cart.ts';
import { catalogView, productView } from './views/catalog.ts';
import { checkoutView } from './views/checkout.ts';
import { emptyState, errorBox, link, notice, pageHeader } from './views/common.ts';
import { adminOrdersView, myOrdersView, orderView } from './views/orders.ts';
import { signInView } from './views/signin.ts';

/** The brand in the header and the tab title (config.json carries no shop name). */
const SHOP_NAME = 'Shop';

const notFoundView: View = async () => ({
  title: 'Page not found',
  node: h(
    'div',
    null,
    pageHeader('Page not found'),
    emptyState(
      'There is nothing here',
      'The link may be old or mistyped.',
      link('/', 'Go to the catalog', { class: 'button primary' }),
    ),
  ),
});

const routes: Array<{ pattern: RegExp; view: View; names?: string[] }> = [
  { pattern: /^\/$/, view: catalogView },
  { pattern: /^\/products\/([^/]+)$/, view: productView, names: ['id'] },
  { pattern: /^\/cart$/, view: cartView },
  { pattern: /^\/checkout$/, view: checkoutView },
  { pattern: /^\/signin$/, view: signInView },
  { pattern: /^\/orders$/, view: myOrdersView },
  { pattern: /^\/orders\/([^/]+)$/, view: orderView, names: ['id'] },
  { pattern: /^\/admin\/products$/, view: adminProductsView },
  { pattern: /^\/admin\/products\/new$/, view: adminNewProductView },
  { pattern: /^\/admin\/products\/([^/]+)$/, view: adminEditProductView, names: ['id'] },
  { pattern: /^\/admin\/orders$/, view: adminOrdersView },
  { pattern: /^\/admin\/orders\/([^/]+)$/, view: orderView, names: ['id'] },
  { pattern: /^\/admin\/orders\/([^/]+)$/, view: orderView, names: ['id'] },
];

export function parseRoute(hash: string): Route {
  const href = hash.replace(/^#/, '').startsWith('/') ? hash.replace(/^#/, '') : '/';
  const [path = '/', search = ''] = href.split('?', 2) as [string, string?];
  return { path, params: {}, query: new URLSearchParams(search), href };
}

function match(route: Route): View {
  for (const candidate of routes) {
    const found = candidate.pattern.exec(route.path);
    if (!found) continue;
    (candidate.names ?? []).forEach((name, i) => {
      route.params[name] = decodeURIComponent(found[i + 1] ?? '');
    });
    return candidate.view;
  }
  return notFoundView;
}

/** localStorage / sessionStorage, or memory when the browser refuses storage (some private modes). */
function storageOr(get: () => Storage): KeyValueStorage {
  try {
    const storage = get();
    const probe = '__shop_probe__';
    storage.setItem(probe, probe);
    storage.removeItem(probe);
    return storage;
  } catch {
    const memory = new Map<string, string>();
    return {
      getItem: (key) => memory.get(key) ?? null,
      setItem: (key, value) => void memory.set(key, value),
      removeItem: (key) => void memory.delete(key),
    };
  }
}

export async function startApp(root: HTMLElement, config: StorefrontConfig): Promise<void> {
  const session = storageOr(() => window.sessionStorage);
  const local = storageOr(() => window.localStorage);
  const auth = new Auth(config, session, () => location.href);
  const tenant = () => auth.identity?.tenant ?? config.tenant;
  const cart = new CartState(local, tenant());

  const announcer = h('div', {
    class: 'visually-hidden',
    role: 'status',
    'aria-live': 'polite',
    'aria-atomic': 'true',
    id: 'announcer',
  });
  const toast = h('div', { class: 'toast', 'aria-hidden': 'true', hidden: true });
  const progress = h('div', { class: 'progress', hidden: true, 'aria-hidden': 'true' });
  const headerSlot = h('header', { class: 'site-header' });
  const main = h('main', { id: 'main', tabindex: '-1' });
  const footer = h('footer', { class: 'site-footer' });
  const skip = h('a', { class: 'skip-link', href: '#main' }, 'Skip to content');
  skip.addEventListener('click', (event) => {
    event.preventDefault();
    (main.querySelector('h1') ?? main).focus();
  });
  replace(root, skip, progress, headerSlot, main, footer, announcer, toast);

  let flashes: Array<{ message: string; kind: 'success' | 'info' | 'error' }> = [];
  let toastTimer: ReturnType<typeof setTimeout> | undefined;

  const app: AppContext = {
    config,
    auth,
    api: undefined as unknown as Api,
    cart,
    sessionStorage: session,
    tenant,
    announce(message, options = {}) {
      announcer.textContent = '';
      // A new text node after a tick makes screen readers read a repeated message again.
      setTimeout(() => {
        announcer.textContent = message;
      }, 50);
      if (!options.visible) return;
      toast.textContent = message;
      toast.hidden = false;
      clearTimeout(toastTimer);
      toastTimer = setTimeout(() => {
        toast.hidden = true;
      }, 3500);
    },
    flash(message, kind = 'info') {
      flashes.push({ message, kind });
    },
    navigate(href, options = {}) {
      const target = `#${href}`;
      if (location.hash === target) return void render({ focus: true });
      if (options.replace) {
        history.replaceState(null, '', target);
        void render({ focus: true });
      } else {
        location.hash = target; // hashchange renders
      }
    },
    refresh() {
      void render({ focus: false, keepFocus: true });
    },
  };

  app.api = new Api(
    config,
    auth,
    () => location.href,
    (hadSession) => {
      const current = parseRoute(location.hash);
      if (current.path === '/signin') return;
      app.flash(
        hadSession ? 'Your session has ended. Please sign in again.' : 'Please sign in to continue.',
        'info',
      );
      if (auth.session) void auth.signOut();
      app.navigate(`/signin?next=${encodeURIComponent(current.href)}`, { replace: true });
    },
  );

  function renderHeader() {
    const identity = auth.identity;
    const current = parseRoute(location.hash).path;
    const count = itemCount(cart.value);
    const navLink = (href: string, text: string, extra?: Node | null) => {
      const active =
        href === '/'
          ? current === '/' || current.startsWith('/products')
          : current === href || current.startsWith(`${href}/`);
      return h('a', { href: `#${href}`, 'aria-current': active ? 'page' : null }, text, extra ?? null);
    };
    const signOut = h('button', { type: 'button', class: 'button small secondary' }, 'Sign out');
    signOut.addEventListener('click', async () => {
      session.removeItem('shop.checkout.details.v1');
      const url = await auth.signOut();
      if (url) return location.assign(url);
      app.flash('You are signed out.', 'info');
      app.navigate('/');
    });
    replace(
      headerSlot,
      h(
        'div',
        { class: 'bar' },
        h(
          'a',
          { class: 'brand', href: '#/' },
          h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '◆'),
          SHOP_NAME,
        ),
        h(
          'nav',
          { class: 'main-nav', 'aria-label': 'Main' },
          navLink('/', 'Catalog'),
          navLink(
            '/cart',
            'Cart',
            h(
              'span',
              { class: 'count', 'aria-label': `${count} item${count === 1 ? '' : 's'}`, id: 'cart-count' },
              String(count),
            ),
          ),
          identity ? navLink('/orders', 'My orders') : null,
          identity?.role === 'admin' ? navLink('/admin/products', 'Products') : null,
          identity?.role === 'admin' ? navLink('/admin/orders', 'Orders') : null,
        ),
        identity
          ? h(
              'p',
              { class: 'who', id: 'who' },
              h('span', { class: 'visually-hidden' }, 'Signed in as '),
              h('span', { class: 'who-name' }, identity.email ?? identity.userId),
              h(
                'span',
                { class: 'chip', title: 'Store (tenant)' },
                h('span', { class: 'visually-hidden' }, ', store '),
                identity.tenant ?? '?',
              ),
              h(
                'span',
                { class: `chip role-${identity.role}` },
                h('span', { class: 'visually-hidden' }, ', role '),
                identity.role,
              ),
            )
          : h(
              'p',
              { class: 'who' },
              h('span', { class: 'muted' }, 'Store'),
              h('span', { class: 'chip', title: 'Store (tenant)' }, config.tenant),
            ),
        h(
          'div',
          { class: 'account' },
          identity
            ? signOut
            : h(
                'a',
                {
                  class: 'button small primary',
                  href:
                    current === '/signin'
                      ? `#${parseRoute(location.hash).href}`
                      : `#/signin?next=${encodeURIComponent(parseRoute(location.hash).href)}`,
                  id: 'signin-link',
                },
                'Sign in',
              ),
        ),
      ),
    );
    replace(
      footer,
      h(
        'p',
        null,
        `${SHOP_NAME} · store “${tenant()}”`,
        config.auth.mode === 'dev' ? ' · local sign-in (dev issuer)' : '',
      ),
    );
  }

  auth.subscribe(() => {
    cart.useTenant(tenant());
    renderHeader();
  });
  cart.subscribe(renderHeader);
  window.addEventListener('storage', (event) => {
    if (event.key?.startsWith('shop.cart.')) cart.reload();
  });

  let renders = 0;
  let controller: AbortController | undefined;
  async function render(options: { focus: boolean; keepFocus?: boolean }) {
    const token = ++renders;
    controller?.abort();
    controller = new AbortController();
    const focusedId = options.keepFocus ? document.activeElement?.id : undefined;
    const route = parseRoute(location.hash);
    const view = match(route);
    if (options.focus) toast.hidden = true;
    renderHeader();
    main.setAttribute('aria-busy', 'true');
    const slow = setTimeout(() => {
      progress.hidden = false;
      if (!main.firstChild) replace(main, h('p', { class: 'loading' }, 'Loading…'));
    }, 150);
    let result: { title: string; node: Node };
    try {
      result = await view(app, route, controller.signal);
    } catch (error) {
      if (controller.signal.aborted) return;
      result = {
        title: 'Something went wrong',
        node: h('div', null, pageHeader('Something went wrong'), errorBox(error)),
      };
    } finally {
      clearTimeout(slow);
    }
    if (token !== renders) return; // a newer navigation won
    progress.hidden = true;
    main.removeAttribute('aria-busy');
    const shown = flashes;
    flashes = [];
    replace(
      main,
      shown.map((flash) => notice(flash.kind, h('p', null, flash.message))),
      result.node,
    );
    document.title = `${result.title} · ${SHOP_NAME}`;
    renderHeader();
    restoreFocus(main, focusedId, options.focus);
  }

  // Coming back from the OpenID Connect provider: ?code&state on the redirect URI.
  if (config.auth.mode === 'oidc' && isOidcCallback(location.href)) {
    const back = redirectUriOf(config.auth, location.href);
    const clean = new URL(back).pathname;
    try {
      const { session: signedIn, returnTo } = await completeOidcSignIn(config.auth, session, location.href);
      auth.signedIn(signedIn);
      const who = auth.identity;
      app.flash(
        `Signed in${who?.email ? ` as ${who.email}` : ''}${who?.tenant ? ` to ${who.tenant}` : ''}.`,
        'success',
      );
      history.replaceState(null, '', `${clean}#${returnTo}`);
    } catch (error) {
      app.flash(error instanceof Error ? error.message : 'Sign-in failed.', 'error');
      history.replaceState(null, '', `${clean}#/signin`);
    }
  }

  window.addEventListener('hashchange', () => void render({ focus: true }));
  await render({ focus: false });
}

/**
 * After a render: focus stays on the control that had it (same id) when the page was re-rendered in place;
 * a navigation moves it to the page's heading and scrolls to the top.
 */
function restoreFocus(main: HTMLElement, focusedId: string | undefined, navigated: boolean) {
  const keep = focusedId ? document.getElementById(focusedId) : null;
  if (keep) keep.focus();
  else if (navigated)
    (main.querySelector<HTMLElement>('h1[tabindex]') ?? main).focus({ preventScroll: false });
  if (navigated) window.scrollTo({ top: 0 });
}
