import type { MigrationObject } from '@mikro-orm/core';
import { migrations as mysql } from './mysql/index.ts';
import { migrations as postgresql } from './postgresql/index.ts';
import { migrations as sqlite } from './sqlite/index.ts';

/** The products schema's migrations on each engine, in the order they apply. */
export const productsMigrations: Readonly<Record<'mysql' | 'postgresql' | 'sqlite', MigrationObject[]>> = {
  mysql,
  postgresql,
  sqlite,
};
