import { describe, expect, it } from 'vitest';
import { isDuplicateKey, toAppError } from '../src/errors.ts';

/** Errors shaped as each driver raises them (name, code) and as MikroORM wraps them (its name, `cause`). */
const driverError = (name: string, code: string | number, cause?: unknown) =>
  Object.assign(new Error(`${name} ${code}`, cause === undefined ? {} : { cause }), { name, code });

describe('duplicate-key detection', () => {
  it.each([
    ['mysql2 / MariaDB', driverError('Error', 'ER_DUP_ENTRY')],
    ['pg', driverError('error', '23505')],
    ['better-sqlite3, unique index', driverError('SqliteError', 'SQLITE_CONSTRAINT_UNIQUE')],
    ['better-sqlite3, primary key', driverError('SqliteError', 'SQLITE_CONSTRAINT_PRIMARYKEY')],
    [
      'MikroORM around pg',
      driverError('UniqueConstraintViolationException', '23505', driverError('error', '23505')),
    ],
    ['MikroORM by name only', driverError('UniqueConstraintViolationException', 0)],
    [
      'a wrapper around MikroORM around mysql2',
      new Error('write failed', {
        cause: driverError('UniqueConstraintViolationException', 1062, driverError('Error', 'ER_DUP_ENTRY')),
      }),
    ],
  ])('When %s reports a duplicate key, then it is one, and a 409 duplicate at the edge', (_, error) => {
    expect(isDuplicateKey(error)).toBe(true);
    expect(toAppError(error)).toMatchObject({ status: 409, code: 'duplicate' });
  });

  it.each([
    ['a foreign key violation (pg)', driverError('error', '23503')],
    ['a foreign key violation (SQLite)', driverError('SqliteError', 'SQLITE_CONSTRAINT_FOREIGNKEY')],
    ['a NOT NULL violation (SQLite)', driverError('SqliteError', 'SQLITE_CONSTRAINT_NOTNULL')],
    ['a missing referenced row (MySQL)', driverError('Error', 'ER_NO_REFERENCED_ROW_2')],
    ['a deadlock', driverError('Error', 'ER_LOCK_DEADLOCK')],
    ['a numeric errno only', Object.assign(new Error('dup'), { errno: 1062 })],
    ['a duplicate buried five causes deep', nest(driverError('Error', 'ER_DUP_ENTRY'), 5)],
    ['nothing', undefined],
    ['a string', 'ER_DUP_ENTRY'],
  ])('When %s is raised, then it is not a duplicate key', (_, error) => {
    expect(isDuplicateKey(error)).toBe(false);
  });
});

function nest(error: unknown, depth: number): unknown {
  return depth === 0 ? error : nest(new Error('wrapped', { cause: error }), depth - 1);
}
