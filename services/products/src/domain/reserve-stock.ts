import { isDuplicateKey, type TenantId } from '@shop/platform';
import type { ProductStore, StockTransaction, StoredReservation } from './ports.ts';
import { byCodeUnits, type Product } from './product.ts';
import type {
  LineFailure,
  Reservation,
  ReservationLineRequest,
  ReservationRequest,
  ReservedLine,
  ReserveOutcome,
} from './stock.ts';

type Refusal = Extract<ReserveOutcome, { kind: 'rejected' | 'mixed_currencies' }>;

/** A line whose conditional decrement found too little stock: described after the rollback. */
interface ShortLine {
  line: ReservationLineRequest;
  productId: string;
}

/** Thrown inside the reservation's transaction to roll it back; turned into the outcome outside. */
class ReservationRefused extends Error {
  readonly refusal: Refusal;
  readonly short: ShortLine[];
  constructor(refusal: Refusal, short: ShortLine[] = []) {
    super(refusal.kind);
    this.refusal = refusal;
    this.short = short;
  }
}

/**
 * Reserves every line or none, in one transaction, never below zero; idempotent on the reservation id.
 *
 * A retry with the same id and lines gets the first result and takes nothing again; the same id with
 * other lines is refused. Otherwise: the reservation row first (its key makes a concurrent duplicate
 * wait, then fail), each line resolved to an active product, one currency for all, then a conditional
 * decrement per product in product-id order (so two reservations take their row locks in the same
 * order). Any line that cannot be taken rolls everything back and is described as the stock now stands.
 */
export async function reserveStock(
  store: ProductStore,
  tenant: TenantId,
  request: ReservationRequest,
): Promise<ReserveOutcome> {
  const existing = await store.getReservation(tenant, request.reservationId);
  if (existing) return replay(existing, request);
  try {
    const reservation = await store.inTransaction((tx) => reserveIn(tx, tenant, request));
    return { kind: 'reserved', reservation };
  } catch (error) {
    if (error instanceof ReservationRefused) return describeRefusal(store, tenant, error);
    // A concurrent request with the same id committed first: its key decided, so answer as a retry.
    if (isDuplicateKey(error)) {
      const winner = await store.getReservation(tenant, request.reservationId);
      if (winner) return replay(winner, request);
    }
    throw error;
  }
}

async function reserveIn(
  tx: StockTransaction,
  tenant: TenantId,
  request: ReservationRequest,
): Promise<Reservation> {
  const createdAt = new Date();
  await tx.insertReservation(tenant, request.reservationId, request.requestHash, createdAt);
  const { resolved, failures } = resolveLines(
    request.lines,
    await tx.productsNamed(
      tenant,
      request.lines.map((line) => line.ref),
    ),
  );
  const currencies = [...new Set(resolved.map(({ product }) => product.currency))].sort();
  if (currencies.length > 1) throw new ReservationRefused({ kind: 'mixed_currencies', currencies });

  const short: ShortLine[] = [];
  for (const { line, product } of inLockOrder(resolved)) {
    if (!(await tx.takeStock(tenant, product.productId, line.quantity, createdAt))) {
      short.push({ line, productId: product.productId });
    }
  }
  if (failures.length || short.length) throw new ReservationRefused({ kind: 'rejected', failures }, short);

  const lines = resolved.map(({ line, product }) => reservedLineOf(line, product));
  await tx.insertLines(tenant, request.reservationId, lines);
  return { reservationId: request.reservationId, status: 'active', lines, createdAt, releasedAt: null };
}

interface ResolvedLine {
  line: ReservationLineRequest;
  product: Product;
}

/** Each line's product, in request order; lines naming a missing or inactive product fail. */
function resolveLines(lines: readonly ReservationLineRequest[], products: readonly Product[]) {
  const byId = new Map(products.map((product) => [product.productId, product]));
  const bySku = new Map(products.map((product) => [product.sku, product]));
  const resolved: ResolvedLine[] = [];
  const failures: LineFailure[] = [];
  for (const line of lines) {
    const product = line.ref.productId !== undefined ? byId.get(line.ref.productId) : bySku.get(line.ref.sku);
    if (!product) failures.push(failureOf(line, 'not_found'));
    else if (!product.isActive) failures.push(failureOf(line, 'inactive'));
    else resolved.push({ line, product });
  }
  return { resolved, failures };
}

/** By product id, then by position: every reservation locks rows in the same order, so none deadlock. */
const inLockOrder = (resolved: readonly ResolvedLine[]) =>
  [...resolved].sort(
    (a, b) => byCodeUnits(a.product.productId, b.product.productId) || a.line.index - b.line.index,
  );

const reservedLineOf = (line: ReservationLineRequest, product: Product): ReservedLine => ({
  productId: product.productId,
  sku: product.sku,
  name: product.name,
  quantity: line.quantity,
  unitPriceMinor: product.priceMinor,
  currency: product.currency,
});

/**
 * Describes the lines a refused reservation could not take, read after the rollback: the stock as it
 * now stands (a read inside the transaction would see MySQL's older snapshot), or the product's having
 * been deactivated or deleted meanwhile.
 */
async function describeRefusal(
  store: ProductStore,
  tenant: TenantId,
  refused: ReservationRefused,
): Promise<ReserveOutcome> {
  const { refusal, short } = refused;
  if (refusal.kind !== 'rejected' || !short.length) return refusal;
  const now = await store.productsNamed(
    tenant,
    short.map(({ productId }) => ({ productId })),
  );
  const byId = new Map(now.map((product) => [product.productId, product]));
  const failures = [...refusal.failures];
  for (const { line, productId } of short) {
    const product = byId.get(productId);
    if (!product) failures.push(failureOf(line, 'not_found'));
    else if (!product.isActive) failures.push(failureOf(line, 'inactive'));
    else failures.push({ ...failureOf(line, 'insufficient_stock'), available: product.stockQuantity });
  }
  return { kind: 'rejected', failures: failures.sort((a, b) => a.index - b.index) };
}

/** A retry: the same lines get the first result; other lines under the same id are refused. */
function replay(stored: StoredReservation, request: ReservationRequest): ReserveOutcome {
  if (stored.requestHash !== request.requestHash) return { kind: 'key_reused' };
  const { requestHash: _, ...reservation } = stored;
  return reservation.status === 'released'
    ? { kind: 'released_earlier', reservation }
    : { kind: 'replayed', reservation };
}

const failureOf = (line: ReservationLineRequest, reason: LineFailure['reason']): LineFailure => ({
  index: line.index,
  ...(line.ref.productId !== undefined ? { product_id: line.ref.productId } : { sku: line.ref.sku }),
  reason,
  requested: line.quantity,
});
