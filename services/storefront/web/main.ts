// Entry point: read config.json, then start the app; a broken config says what to fix.

import { startApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { h, replace } from './dom.ts';

const root = document.getElementById('app')!;

try {
  const config = await loadConfig((url, init) => fetch(url, init));
  await startApp(root, config);
} catch (error) {
  const problems = error instanceof ConfigError ? error.problems : [String(error)];
  document.title = 'Storefront not configured';
  replace(
    root,
    h(
      'main',
      { id: 'main', class: 'config-error' },
      h('h1', null, 'This storefront is not configured'),
      h('p', null, 'Its config.json (next to index.html) is missing or invalid:'),
      h(
        'ul',
        { role: 'alert' },
        problems.map((problem) => h('li', null, problem)),
      ),
      h('p', null, 'See services/storefront/README.md for its format.'),
    ),
  );
}
