import type { MigrationObject } from '@mikro-orm/core';
import { V001CreateOrders } from './V001__create_orders.ts';

/** Applied in this order and recorded by name in `orders_migrations`. Append; never rename. */
export const migrations: MigrationObject[] = [{ name: 'V001__create_orders', class: V001CreateOrders }];
