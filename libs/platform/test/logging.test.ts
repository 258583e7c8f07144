import { describe, expect, it } from 'vitest';
import { createLogger, traceIdOf } from '../src/index.ts';

describe('logging', () => {
  it('When a platform sends its trace header, then the trace id is read from it', () => {
    const id = '4bf92f3577b34da6a3ce929d0e0e4736';
    expect(traceIdOf({ traceparent: `00-${id}-00f067aa0ba902b7-01` })).toBe(id);
    expect(traceIdOf({ 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1' })).toBe(
      '1-5759e988-bd862e3fe1be46a994272793',
    );
    expect(traceIdOf({ 'x-cloud-trace-context': `${id}/1;o=1` })).toBe(id);
    expect(traceIdOf({ traceparent: 'garbage' })).toBeUndefined();
  });

  it('When secrets are logged, then they are redacted and the level is readable by every cloud', () => {
    const lines: string[] = [];
    const logger = createLogger({
      service: 's',
      destination: { write: (line: string) => void lines.push(line) },
    });
    logger.warn(
      {
        req: { headers: { authorization: 'Bearer abc.def.ghi', cookie: 'sid=1' } },
        token: 'tkn',
        password: 'pw',
      },
      'hello',
    );
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ level: 'warn', severity: 'WARNING', message: 'hello', service: 's' });
    expect(lines[0]).not.toContain('abc.def.ghi');
    expect(lines[0]).not.toContain('sid=1');
    expect(lines[0]).not.toContain('tkn');
    expect(lines[0]).not.toContain('"pw"');
  });
});
