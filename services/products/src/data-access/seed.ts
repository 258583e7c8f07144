import demo from '@shop/database/products/seed/demo-products.json' with { type: 'json' };
import { asTenantId, compileSchema, type TenantId, toMinor } from '@shop/platform';
import { createProduct } from '../domain/catalog.ts';
import type { ProductStore } from '../domain/ports.ts';
import { DEFAULT_CURRENCY, NewProductBody } from '../domain/product.ts';

export interface SeedResult {
  tenant: string;
  created: number;
  existing: number;
}

const validProduct = compileSchema(NewProductBody, 'body');

/**
 * Loads the demo catalog (database/products/seed/demo-products.json) into a store. Idempotent: products
 * whose SKU (or id) is already there are left alone, so it can run on every deploy.
 */
export async function seedDemoProducts(
  store: ProductStore,
  tenant: TenantId = asTenantId(demo.tenant_id, 'tenant_id'),
): Promise<SeedResult> {
  const result: SeedResult = { tenant, created: 0, existing: 0 };
  for (const { product_id: productId, ...fields } of demo.products) {
    const product = validProduct.parse(fields);
    const outcome = await createProduct(
      store,
      tenant,
      {
        sku: product.sku,
        name: product.name,
        description: product.description ?? '',
        priceMinor: toMinor(product.price),
        currency: product.currency ?? DEFAULT_CURRENCY,
        stockQuantity: product.stock_quantity ?? 0,
        isActive: product.is_active ?? true,
      },
      // The demo store keeps its well-known ids; another tenant seeded from the same file gets new ones.
      tenant === demo.tenant_id ? { productId } : {},
    );
    if (outcome.kind === 'created') result.created++;
    else result.existing++;
  }
  return result;
}
