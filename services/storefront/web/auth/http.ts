// Small helpers for the identity providers' endpoints (JSON and form-encoded OAuth requests).

import { problemSummary, toProblem } from '../problem.ts';

export class AuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthError';
  }
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** POST and read JSON; a failure becomes an AuthError carrying the provider's own description. */
export async function postForJson<T>(
  url: string,
  body: URLSearchParams | object,
  describe: (body: unknown, status: number) => string | undefined = () => undefined,
): Promise<T> {
  const form = body instanceof URLSearchParams;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
      body: form ? body.toString() : JSON.stringify(body),
    });
  } catch {
    throw new AuthError('The sign-in service cannot be reached. Check your connection and try again.');
  }
  const parsed = await readBody(response);
  if (!response.ok) {
    throw new AuthError(
      describe(parsed, response.status) ?? problemSummary(toProblem(response.status, parsed)),
    );
  }
  return parsed as T;
}

export async function getJson<T>(url: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch {
    throw new AuthError(`The sign-in provider cannot be reached (${new URL(url).host}).`);
  }
  if (!response.ok) throw new AuthError(`The sign-in provider answered ${response.status} for ${url}.`);
  return (await response.json()) as T;
}
