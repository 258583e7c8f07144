import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { BaseConfigSchema, ConfigError, csv, loadConfig } from '../src/index.ts';

const Schema = Type.Object({
  ...BaseConfigSchema.properties,
  DATABASE_URL: Type.String({ pattern: '^(mysql|postgresql|sqlite):' }),
  POOL: Type.Integer({ minimum: 1, default: 5 }),
  FEATURE: Type.Boolean({ default: false }),
});

describe('config', () => {
  it('When variables are set as strings, then they are converted and defaults applied', () => {
    const config = loadConfig(Schema, { DATABASE_URL: 'sqlite:x.db', PORT: '9000', FEATURE: 'true' });
    expect(config).toMatchObject({ DATABASE_URL: 'sqlite:x.db', PORT: 9000, FEATURE: true, POOL: 5 });
    expect(config.LOG_LEVEL).toBe('info');
  });

  it('When several variables are missing or invalid, then one error names every one', () => {
    let error: unknown;
    try {
      loadConfig(Schema, { PORT: 'eighty', POOL: '0' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('DATABASE_URL is required');
    expect(message).toContain('PORT');
    expect(message).toContain('POOL');
  });

  it('When a list variable has blanks, then csv trims them away', () => {
    expect(csv(' a, b ,,c ')).toEqual(['a', 'b', 'c']);
    expect(csv(undefined)).toEqual([]);
  });
});
