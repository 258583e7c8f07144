// RFC 9457 problem details (application/problem+json) into sentences for people. Pure module.

export interface FieldError {
  in?: string;
  field: string;
  message: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  code?: string;
  detail?: string;
  errors?: FieldError[];
  [member: string]: unknown;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const fallbackByStatus: Record<number, string> = {
  0: 'The shop cannot be reached. Check your connection and try again.',
  400: 'The request was not accepted.',
  401: 'Please sign in.',
  403: 'You are not allowed to do this.',
  404: 'Not found.',
  409: 'This conflicts with the current state; reload and try again.',
  412: 'Someone changed this in the meantime; reload to see their change.',
  413: 'That is too large to send.',
  422: 'The request could not be processed.',
  429: 'Too many requests; wait a moment and try again.',
  503: 'The shop is busy or partly unavailable; try again in a moment.',
};

/** A problem from any error body (problem+json, OAuth `{error, error_description}`, plain text, nothing). */
export function toProblem(status: number, body: unknown): Problem {
  if (isRecord(body)) return problemOfRecord(status, body);
  if (typeof body === 'string' && body.trim() && body.length < 300 && !body.trimStart().startsWith('<')) {
    return { status, detail: body.trim() };
  }
  return { status };
}

function problemOfRecord(status: number, body: Record<string, unknown>): Problem {
  const errors = fieldErrorsOf(body);
  const detail = detailOf(body);
  const code = codeOf(body);
  return {
    ...body,
    status: typeof body.status === 'number' ? body.status : status,
    ...(typeof body.title === 'string' ? { title: body.title } : {}),
    ...(code !== undefined ? { code } : {}),
    ...(detail !== undefined ? { detail } : {}),
    ...(errors?.length ? { errors } : { errors: undefined }),
  };
}

const fieldErrorsOf = (body: Record<string, unknown>): FieldError[] | undefined =>
  Array.isArray(body.errors)
    ? body.errors.filter(
        (e): e is FieldError => isRecord(e) && typeof e.field === 'string' && typeof e.message === 'string',
      )
    : undefined;

function detailOf(body: Record<string, unknown>): string | undefined {
  if (typeof body.detail === 'string') return body.detail;
  if (typeof body.error_description === 'string') return body.error_description;
  // Google APIs: {error: {code, message}}
  if (isRecord(body.error) && typeof body.error.message === 'string') return body.error.message;
  return undefined;
}

const codeOf = (body: Record<string, unknown>): string | undefined =>
  typeof body.code === 'string' ? body.code : typeof body.error === 'string' ? body.error : undefined;

const words: Record<string, string> = {
  zip_code: 'ZIP / postal code',
  sku: 'SKU',
  stock_quantity: 'stock',
  is_active: 'active',
  customer_email: 'email',
  customer_phone: 'phone',
  customer_name: 'name',
  total_amount: 'total',
  unit_price: 'unit price',
  'If-Match': 'version',
  'Idempotency-Key': 'checkout key',
};

/** `shipping_address.zip_code` → "Shipping address: ZIP / postal code"; `items[1].quantity` → "Item 2: quantity". */
export function fieldLabel(field: string): string {
  const parts = field
    .replace(/^(body|query|params|headers)[./]/, '')
    .split(/[./]/)
    .filter(Boolean);
  const spoken = parts.map((part) => {
    const indexed = /^(\w+)\[(\d+)\]$/.exec(part);
    if (indexed) {
      const noun = indexed[1] === 'items' ? 'Item' : (words[indexed[1]!] ?? indexed[1]!.replace(/_/g, ' '));
      return `${noun} ${Number(indexed[2]) + 1}`;
    }
    return words[part] ?? part.replace(/_/g, ' ');
  });
  const text = spoken.join(': ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The sentence to show for a problem: its `detail`, else its `title`, else a plain one for the status. */
export function problemSummary(problem: Problem): string {
  if (problem.status >= 500 && problem.status !== 503) {
    return problem.detail && problem.status !== 500
      ? problem.detail
      : 'Something went wrong on our side. Please try again shortly.';
  }
  const generic = problem.title === undefined || /^(Bad Request|Conflict|Not Found)$/.test(problem.title);
  return (
    problem.detail ??
    (generic ? undefined : problem.title) ??
    fallbackByStatus[problem.status] ??
    'The request failed.'
  );
}

const plainMessages: Array<[RegExp, string]> = [
  [/^must not have fewer than 1 characters?$/, 'is required'],
  [/^must match pattern "\\S"$/, 'must not be blank'],
  [/^must match format "email"$/, 'must be an email address'],
  [/^must match format "uuid"$/, 'must be a valid id'],
];

export const plainMessage = (message: string) =>
  plainMessages.find(([pattern]) => pattern.test(message))?.[1] ?? message;

/**
 * The field errors worth showing: an error on `a` is dropped when `a.b` has one too (a union schema
 * reports "must be string" for an address object whose street is empty), and repeats are merged.
 */
export function relevantErrors(problem: Problem): FieldError[] {
  const errors = problem.errors ?? [];
  const seen = new Set<string>();
  return errors
    .filter(
      (error) =>
        !errors.some(
          (other) => other.field.startsWith(`${error.field}.`) || other.field.startsWith(`${error.field}[`),
        ),
    )
    .map((error) => ({ ...error, message: plainMessage(error.message) }))
    .filter((error) => {
      const key = `${error.field}|${error.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/** Each field error as "Label: message". */
export function fieldMessages(problem: Problem): string[] {
  return relevantErrors(problem).map((error) => `${fieldLabel(error.field)}: ${error.message}`);
}
