import type { Middleware } from 'koa';
import { AppError } from './errors.ts';

declare module 'koa' {
  interface Request {
    /** The parsed JSON body, set by `jsonBody`; undefined when the request had none. */
    body?: unknown;
  }
}

const JSON_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

/**
 * Reads a JSON body into `ctx.request.body`, no larger than `limit` bytes. A body that is too large is
 * refused before it is buffered whole (413), one that is not JSON is 400, a non-JSON type is 415.
 * Bodies already buffered by serverless-http (Lambda) are read the same way.
 */
export function jsonBody({ limit }: { limit: number }): Middleware {
  return async function readJsonBody(ctx, next) {
    if (
      ctx.method === 'GET' ||
      ctx.method === 'HEAD' ||
      ctx.method === 'DELETE' ||
      ctx.method === 'OPTIONS'
    ) {
      return next();
    }
    const declared = Number(ctx.get('content-length') || Number.NaN);
    if (declared > limit) throw tooLarge();
    const raw = await readRaw(ctx.req, limit);
    if (raw.length === 0) return next();
    const type = ctx.get('content-type');
    if (!JSON_TYPE.test(type)) {
      throw new AppError(415, 'unsupported_media_type', 'Send the body as application/json.');
    }
    try {
      // JSON is UTF-8 (RFC 8259 §8.1): invalid bytes are refused, not silently turned into U+FFFD.
      ctx.request.body = JSON.parse(utf8.decode(raw));
    } catch {
      throw new AppError(400, 'malformed_json', 'The request body is not valid JSON.');
    }
    return next();
  };
}

const tooLarge = () => new AppError(413, 'payload_too_large', 'The request body is too large.');

/** Throws on malformed UTF-8 (overlong forms, encoded surrogates, stray bytes); a BOM stays and fails JSON.parse. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

async function readRaw(req: NodeJS.ReadableStream & { body?: unknown }, limit: number): Promise<Buffer> {
  if (Buffer.isBuffer(req.body)) {
    if (req.body.length > limit) throw tooLarge();
    return req.body;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > limit) throw tooLarge();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, size);
}
