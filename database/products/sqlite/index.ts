import type { MigrationObject } from '@mikro-orm/core';
import { Migration0001Initial } from './0001-initial.ts';

/** Applied in this order and recorded by name in `products_schema_migrations`. Append; never rename. */
export const migrations: MigrationObject[] = [{ name: '0001-initial', class: Migration0001Initial }];
