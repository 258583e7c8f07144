// Sign-in per mode: the dev issuer (pick store, role and user) in local stacks; OpenID Connect
// (redirect to Cognito, Entra ID or another provider); Firebase / Identity Platform email + password.

import { devSignIn } from '../auth/dev.ts';
import { firebaseSignIn } from '../auth/firebase.ts';
import { AuthError } from '../auth/http.ts';
import { beginOidcSignIn } from '../auth/oidc.ts';
import type { Session } from '../auth/session.ts';
import type { AppContext, View } from '../context.ts';
import { field, h, replace } from '../dom.ts';
import { errorBox, notice, pageHeader } from './common.ts';

/** Only in-app routes are followed after sign-in (never an absolute URL from the query string). */
export function safeNext(next: string | null): string {
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/';
}

function finish(app: AppContext, session: Session, next: string) {
  app.auth.signedIn(session);
  const who = app.auth.identity;
  app.flash(
    `Signed in${who?.email ? ` as ${who.email}` : ''}${who?.tenant ? ` to ${who.tenant}` : ''}.`,
    'success',
  );
  app.navigate(next, { replace: true });
}

function withBusy(button: HTMLButtonElement, outcome: HTMLElement, work: () => Promise<void>) {
  return async () => {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    replace(outcome);
    try {
      await work();
    } catch (error) {
      replace(
        outcome,
        errorBox(
          error instanceof Error && !(error instanceof AuthError) ? new AuthError(error.message) : error,
        ),
      );
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  };
}

function devForm(app: AppContext, next: string) {
  const auth = app.config.auth;
  if (auth.mode !== 'dev') throw new Error('dev only');
  const outcome = h('div', { class: 'outcome' });
  const tenants = [...new Set([app.config.tenant, app.tenant()])];
  const tenant = h('input', {
    name: 'tenant',
    value: app.tenant(),
    required: true,
    list: 'tenant-list',
    pattern: '[A-Za-z0-9][A-Za-z0-9._\\-]{0,127}',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const sub = h('input', {
    name: 'sub',
    maxlength: 128,
    autocomplete: 'username',
    spellcheck: 'false',
    placeholder: 'e.g. ada',
  });
  const email = h('input', {
    name: 'email',
    type: 'email',
    maxlength: 254,
    autocomplete: 'email',
    placeholder: 'e.g. ada@example.com',
  });
  const submit = h('button', { type: 'submit', class: 'button primary block' }, 'Sign in');
  const form = h(
    'form',
    { class: 'signin-form panel' },
    notice(
      'info',
      h(
        'p',
        null,
        h('strong', null, 'Local development sign-in. '),
        'The dev issuer signs anyone in as any store and role; it never runs in a cloud deployment.',
      ),
    ),
    field('Store (tenant)', tenant, 'The store you sign in to: what you see and order from.'),
    h(
      'datalist',
      { id: 'tenant-list' },
      tenants.map((t) => h('option', { value: t })),
    ),
    h(
      'fieldset',
      { class: 'radios' },
      h('legend', null, 'Role'),
      h(
        'div',
        { class: 'check' },
        h('input', { type: 'radio', name: 'role', value: 'customer', id: 'role-customer', checked: true }),
        h('label', { for: 'role-customer' }, 'Customer — shop and see my orders'),
      ),
      h(
        'div',
        { class: 'check' },
        h('input', { type: 'radio', name: 'role', value: 'admin', id: 'role-admin' }),
        h('label', { for: 'role-admin' }, 'Admin — manage products and orders'),
      ),
    ),
    field('User id (optional)', sub, 'The same id is the same user next time. Default: <store>-<role>.'),
    field('Email (optional)', email),
    outcome,
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const data = new FormData(form);
    void withBusy(submit, outcome, async () => {
      const session = await devSignIn(
        auth,
        {
          tenant: String(data.get('tenant')).trim(),
          role: data.get('role') === 'admin' ? 'admin' : 'customer',
          sub: String(data.get('sub') ?? '').trim() || undefined,
          email: String(data.get('email') ?? '').trim() || undefined,
        },
        location.href,
      );
      finish(app, session, next);
    })();
  });
  return form;
}

function oidcPanel(app: AppContext, next: string) {
  const auth = app.config.auth;
  if (auth.mode !== 'oidc') throw new Error('oidc only');
  const outcome = h('div', { class: 'outcome' });
  const button = h(
    'button',
    { type: 'button', class: 'button primary block large', id: 'oidc-signin' },
    'Continue to sign in',
  );
  button.addEventListener(
    'click',
    withBusy(button, outcome, async () => {
      const url = await beginOidcSignIn(auth, sessionStorage, location.href, next);
      location.assign(url);
    }),
  );
  return h(
    'div',
    { class: 'signin-form panel' },
    h('p', null, `You sign in on the shop’s sign-in page (${auth.label}) and come straight back here.`),
    outcome,
    button,
  );
}

function firebaseForm(app: AppContext, next: string) {
  const auth = app.config.auth;
  if (auth.mode !== 'firebase') throw new Error('firebase only');
  const outcome = h('div', { class: 'outcome' });
  const email = h('input', { name: 'email', type: 'email', required: true, autocomplete: 'username' });
  const password = h('input', {
    name: 'password',
    type: 'password',
    required: true,
    minlength: 6,
    autocomplete: 'current-password',
  });
  const submit = h('button', { type: 'submit', class: 'button primary block' }, 'Sign in');
  const form = h(
    'form',
    { class: 'signin-form panel' },
    field('Email', email),
    field('Password', password),
    outcome,
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    void withBusy(submit, outcome, async () =>
      finish(app, await firebaseSignIn(auth, email.value.trim(), password.value), next),
    )();
  });
  return form;
}

export const signInView: View = async (app, route) => {
  const next = safeNext(route.query.get('next'));
  const mode = app.config.auth.mode;
  const current = app.auth.identity;
  const body =
    mode === 'dev' ? devForm(app, next) : mode === 'oidc' ? oidcPanel(app, next) : firebaseForm(app, next);
  return {
    title: 'Sign in',
    node: h(
      'div',
      { class: 'narrow' },
      pageHeader('Sign in'),
      current
        ? notice(
            'info',
            h(
              'p',
              null,
              `You are signed in as ${current.email ?? current.userId}. Signing in again replaces that session.`,
            ),
          )
        : null,
      body,
    ),
  };
};
