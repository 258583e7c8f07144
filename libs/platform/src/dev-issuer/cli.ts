// The dev issuer from the command line. Local use only: it must never be deployed to a cloud.
//
//   node libs/platform/src/dev-issuer/cli.ts --tenant acme --role admin [--sub U] [--email E] [--ttl 3600]
//       prints a token signed with the stored key (`npm run token -- --tenant acme --role admin`)
//   node libs/platform/src/dev-issuer/cli.ts serve [--port 8090] [--host 127.0.0.1]
//       serves discovery, JWKS and POST /token until SIGTERM or SIGINT
//
// Both take --keys-dir (default <repo>/.data/dev-issuer), --issuer and --audience.
import { parseArgs } from 'node:util';
import { ConfigError } from '../config.ts';
import { startOrExit } from '../entry-point.ts';
import { mintDevToken, startDevIssuer } from './index.ts';

const usage = `usage: cli.ts --tenant <id> [--role admin|customer] [--sub <id>] [--email <address>] [--ttl <seconds>]
       cli.ts serve [--port 8090] [--host 127.0.0.1]
  common: [--keys-dir <dir>] [--issuer <url>] [--audience <aud>]`;

function fail(message: string): never {
  console.error(`${message}\n${usage}`);
  process.exit(2);
}

const { values, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        tenant: { type: 'string' },
        role: { type: 'string', default: 'customer' },
        sub: { type: 'string' },
        email: { type: 'string' },
        ttl: { type: 'string', default: '3600' },
        port: { type: 'string', default: '8090' },
        host: { type: 'string', default: '127.0.0.1' },
        'keys-dir': { type: 'string' },
        issuer: { type: 'string' },
        audience: { type: 'string' },
      },
    });
  } catch (error) {
    return fail((error as Error).message);
  }
})();
const common = { keysDir: values['keys-dir'], issuer: values.issuer, audience: values.audience };

/** The `serve` options, every bad one named in one ConfigError. */
function serveOptions() {
  const problems: string[] = [];
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65_535)
    problems.push(`--port: "${values.port}" is not a port (0-65535)`);
  if (values.issuer !== undefined && !URL.canParse(values.issuer)) {
    problems.push(`--issuer: "${values.issuer}" is not a URL`);
  }
  if (values.host.trim() === '') problems.push('--host: must name an address');
  if (problems.length) throw new ConfigError(problems);
  return { ...common, port, host: values.host };
}

if (positionals[0] === 'serve') {
  const issuer = await startOrExit('dev-issuer', () => startDevIssuer(serveOptions()));
  const stop = () => {
    issuer.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // Before the banner: whoever waits for it may signal right away.
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  console.log(`dev issuer ${issuer.issuer} listening on ${issuer.url} (audience ${issuer.audience})`);
} else {
  if (positionals.length) fail(`unknown command ${positionals[0]}`);
  if (!values.tenant) fail('--tenant is required');
  if (values.role !== 'admin' && values.role !== 'customer') fail('--role must be admin or customer');
  const ttlSeconds = Number(values.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) fail('--ttl must be a positive number of seconds');
  try {
    const token = await mintDevToken(
      { tenant: values.tenant, role: values.role, sub: values.sub, email: values.email, ttlSeconds },
      common,
    );
    console.log(token);
  } catch (error) {
    fail((error as Error).message);
  }
}
