// A service as it runs in production: `node services/<svc>/src/server.ts` in a process of its own, to
// signal and to watch exit. Plus raw HTTP helpers that see what a client sees when a server goes away.
import { type ChildProcess, spawn } from 'node:child_process';
import { type ClientRequest, request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from './net.ts';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface ServiceProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** stdout and stderr so far (the service's JSON log lines). */
  output(): string;
  /** Resolves when the process has exited: its code and when (performance.now()). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** SIGKILL if still running; for cleanup. */
  kill(): void;
}

/** Spawns `node <script>` with `env` (plus PORT and HOST) and waits until /healthz answers. */
export async function startService(script: string, env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(repoRoot, script)], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-50_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${script} to answer /healthz`, async () => {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${output}`);
      return (await fetch(`${url}/healthz`)).ok;
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    port,
    child,
    output: () => output,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Whether a new TCP connection to the port is refused (nothing listens any more). */
export function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface SlowUpload {
  /** Sends the rest of the body. */
  finish(): void;
  /** The answer, or the error the client saw (a reset connection, say). */
  reply: Promise<RawReply | Error>;
}

/**
 * A request whose body arrives in two parts, the second only on `finish()`: a request the server has
 * received and is still working on (reading it) for as long as the test likes. Its own connection, closed after.
 */
export function slowUpload(
  url: string,
  path: string,
  headers: Record<string, string>,
  body: string,
): SlowUpload {
  const cut = Math.floor(body.length / 2);
  const req = request(`${url}${path}`, {
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/json', connection: 'close', ...headers },
  });
  const reply = replyOf(req);
  req.flushHeaders();
  req.write(body.slice(0, cut));
  return { finish: () => req.end(body.slice(cut)), reply };
}

/** A plain request on a connection of its own; never throws, resolves to the reply or the error seen. */
export function rawRequest(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawReply | Error> {
  const req = request(`${url}${path}`, {
    method,
    agent: false,
    headers: { connection: 'close', ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
  });
  const reply = replyOf(req);
  req.end(body);
  return reply;
}

/** The whole reply to `req`, or the error the request or the response met; never rejects. */
function replyOf(req: ClientRequest): Promise<RawReply | Error> {
  return new Promise((resolve) => {
    req.once('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.once('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }),
      );
      response.once('error', resolve);
    });
    req.once('error', resolve);
  });
}
