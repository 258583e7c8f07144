import { onEngine } from './helpers/engine-suites.ts';
import { defineOrdersApiSuite } from './orders-api.suite.ts';

// One HTTP suite, one file per store so the stores run in parallel.
onEngine('mysql', defineOrdersApiSuite);
