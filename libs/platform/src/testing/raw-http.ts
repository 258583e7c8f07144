// Raw HTTP probing for the security suites of every service: any bytes, any headers, the reply as sent.
import { request } from 'node:http';
import { expect } from 'vitest';
// biome-ignore lint/suspicious/noExplicitAny: response bodies are JSON, asserted whole rather than typed
export type Json = any;

/** What came back, exactly as it came: the raw text is what the marker search reads. */
export interface RawReply {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: Json;
}

export interface RawRequest {
  method: string;
  path: string;
  token?: string | undefined;
  headers?: Record<string, string>;
  /** Sent byte for byte (no content-type added); an object is sent as JSON with application/json. */
  body?: unknown;
}

/**
 * A plain node:http client: unlike fetch it sends any bytes (invalid UTF-8, no content-type at all) and
 * keeps the headers it is given, so malformed requests reach the service as an attacker would send them.
 */
export function send(baseUrl: string, options: RawRequest): Promise<RawReply> {
  const url = new URL(options.path, baseUrl);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let payload: Buffer | undefined;
  if (Buffer.isBuffer(options.body)) payload = options.body;
  else if (typeof options.body === 'string') payload = Buffer.from(options.body);
  else if (options.body !== undefined) {
    payload = Buffer.from(JSON.stringify(options.body));
    headers['content-type'] = 'application/json';
  }
  Object.assign(headers, options.headers);
  if (payload !== undefined && !headers['transfer-encoding'])
    headers['content-length'] = String(payload.length);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method,
        path: `${url.pathname}${url.search}`,
        headers,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const flat: Record<string, string> = {};
          for (const [name, value] of Object.entries(incoming.headers)) {
            flat[name] = Array.isArray(value) ? value.join(', ') : String(value);
          }
          let body: Json = text;
          if (text && /json/.test(flat['content-type'] ?? '')) body = JSON.parse(text);
          resolve({ status: incoming.statusCode ?? 0, headers: flat, text, body });
        });
      },
    );
    // The service may answer (413) and close before it has read everything: that is its right.
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

/** An RFC 9457 problem whose `status` is the HTTP status and whose `code` is a stable string. */
export function expectProblem(reply: RawReply, status?: number, code?: string): void {
  const context = `${reply.status} ${reply.text.slice(0, 500)}`;
  if (status !== undefined) expect(reply.status, context).toBe(status);
  expect(reply.headers['content-type'], context).toMatch(/^application\/problem\+json/);
  expect(reply.body, context).toEqual(
    expect.objectContaining({
      status: reply.status,
      code: code ?? expect.stringMatching(/^[a-z_]+$/),
      title: expect.any(String),
      type: expect.any(String),
      detail: expect.any(String),
    }),
  );
}

/** A client error, never a server one, and always a problem document. */
export function expectClientProblem(reply: RawReply): void {
  expect(reply.status, `${reply.status} ${reply.text.slice(0, 500)}`).toBeGreaterThanOrEqual(400);
  expect(reply.status, `${reply.status} ${reply.text.slice(0, 500)}`).toBeLessThan(500);
  expectProblem(reply);
}

/** The fields a 400 names. */
export const fieldsNamed = (reply: RawReply): string[] =>
  ((reply.body?.errors ?? []) as Array<{ field: string }>).map((error) => error.field);

/** Cursors are opaque base64url: decode whatever looks like one, so a marker inside one is found too. */
function decodedCursors(text: string): string {
  return (text.match(/[A-Za-z0-9_-]{16,}/g) ?? [])
    .map((candidate) => Buffer.from(candidate, 'base64url').toString('utf8'))
    .join('\n');
}

/**
 * The victim's marker strings found in a reply: its body, every header, and anything base64url-shaped
 * decoded (cursors, ETags). Markers the request itself carried (an id in the path, a SKU in the body) are
 * the caller's own words echoed back, not a leak, and are left out.
 */
export function leakedMarkers(
  reply: RawReply,
  markers: readonly string[],
  sent: { path: string; headers?: Record<string, string>; body?: unknown },
): string[] {
  const request = `${decodeURIComponent(sent.path)}\n${JSON.stringify(sent.headers ?? {})}\n${
    Buffer.isBuffer(sent.body) ? sent.body.toString('utf8') : JSON.stringify(sent.body ?? null)
  }`.toLowerCase();
  const headers = Object.entries(reply.headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n');
  const haystack = `${reply.text}\n${headers}\n${decodedCursors(`${reply.text}\n${headers}`)}`.toLowerCase();
  return markers.filter((marker) => {
    const needle = marker.toLowerCase();
    return !request.includes(needle) && haystack.includes(needle);
  });
}

/** fast-check runs: bounded so the files stay quick; FC_SEED / FC_RUNS reproduce or widen a run. */
export const fuzzOptions = (numRuns: number) => ({
  numRuns: Number(process.env.FC_RUNS ?? numRuns),
  ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}),
});
