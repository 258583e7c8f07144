// Small render helpers: elements from plain calls, text always as text nodes (never innerHTML), so
// product names and problem details from the API cannot inject markup.

export type Child = Node | string | number | null | undefined | false | Child[];

type Handler = (event: Event) => void;
export type Props = Record<string, string | number | boolean | null | undefined | Handler>;

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const item of child) append(parent, item);
    return;
  }
  parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
}

/** `h('button', { type: 'button', onclick }, 'Add')`: attributes, `on*` listeners, `value`/`checked` as properties. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === 'value' || name === 'checked' || name === 'selected') {
      (element as unknown as Record<string, unknown>)[name] = value;
      if (name !== 'value') element.setAttribute(name, '');
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

export const fragment = (...children: Child[]): DocumentFragment => {
  const node = document.createDocumentFragment();
  append(node, children);
  return node;
};

export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

let ids = 0;
/** A unique id for label/aria wiring. */
export const uid = (prefix: string) => `${prefix}-${++ids}`;

/** A labelled input/select/textarea with room for a hint and a field error (aria-describedby). */
export function field(
  label: string,
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
  hint?: string,
): HTMLDivElement {
  control.id ||= uid('f');
  const errorId = `${control.id}-error`;
  const hintId = `${control.id}-hint`;
  const described = [hint ? hintId : null, errorId].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', described);
  return h(
    'div',
    { class: 'field' },
    h(
      'label',
      { for: control.id },
      label,
      control.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null,
    ),
    control,
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    h('p', { class: 'field-error', id: errorId }),
  );
}

/** Marks the form's controls named by `errors` (by `name` attribute) invalid with their message; clears the rest. */
export function showFieldErrors(
  form: HTMLFormElement,
  errors: Array<{ field: string; message: string }>,
): number {
  let shown = 0;
  for (const control of form.querySelectorAll<HTMLElement>('[name]')) {
    control.removeAttribute('aria-invalid');
    const slot = document.getElementById(`${control.id}-error`);
    if (slot) slot.textContent = '';
  }
  for (const error of errors) {
    const name = error.field.replace(/^(body|query|params|headers)[./]/, '');
    const control = form.querySelector<HTMLElement>(`[name="${CSS.escape(name)}"]`);
    if (!control) continue;
    control.setAttribute('aria-invalid', 'true');
    const slot = document.getElementById(`${control.id}-error`);
    if (slot) slot.textContent = error.message;
    shown++;
  }
  return shown;
}

/** A modal confirmation in a native <dialog> (focus trapped, Escape cancels). Resolves true on confirm. */
export function confirmDialog(options: {
  title: string;
  message: string;
  confirm: string;
  cancel?: string;
  danger?: boolean;
  /** An optional free-text input (e.g. a reason); its value is passed to onConfirm. */
  input?: { label: string; maxLength: number };
}): Promise<{ confirmed: boolean; text: string }> {
  return new Promise((resolve) => {
    const titleId = uid('dlg');
    const input = options.input
      ? h('input', { type: 'text', name: 'reason', maxlength: options.input.maxLength })
      : null;
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': titleId },
      h(
        'form',
        { method: 'dialog' },
        h('h2', { id: titleId }, options.title),
        h('p', null, options.message),
        input && options.input ? field(options.input.label, input) : null,
        h(
          'div',
          { class: 'actions' },
          h('button', { value: 'cancel', class: 'button secondary' }, options.cancel ?? 'Cancel'),
          h(
            'button',
            { value: 'confirm', class: options.danger ? 'button danger' : 'button primary' },
            options.confirm,
          ),
        ),
      ),
    );
    dialog.addEventListener('close', () => {
      resolve({ confirmed: dialog.returnValue === 'confirm', text: input?.value.trim() ?? '' });
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

export const formatDate = (iso: string) =>
  new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
