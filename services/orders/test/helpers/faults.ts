import type { OrderStore } from '../../src/domain/ports.ts';

/** The store, except that writing a new order fails (a full disk, a lost connection) after the reservation. */
export function failingCreates(store: OrderStore): OrderStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'create') return () => Promise.reject(new Error('simulated write failure: disk full'));
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
