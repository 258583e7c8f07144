// The one I/O the raw baselines share with the services besides the store and the socket: a JSON line
// per request written synchronously to stdout (the services' D5 choice), with the same fields. Only
// the write is the baseline's; pino's formatting and redaction stay on the service's side of the ratio.
import { randomUUID } from 'node:crypto';
import { writeSync } from 'node:fs';

export function logRequest(
  service: string,
  method: string | undefined,
  url: string | undefined,
  status: number,
  started: number,
) {
  const q = url?.indexOf('?') ?? -1;
  writeSync(
    1,
    `${JSON.stringify({
      level: 'info',
      severity: 'INFO',
      time: new Date().toISOString(),
      service,
      request_id: randomUUID(),
      method,
      path: q < 0 ? url : url?.slice(0, q),
      status,
      latency_ms: Math.round((performance.now() - started) * 100) / 100,
      tenant: 'bench',
      message: 'request',
    })}\n`,
  );
}
