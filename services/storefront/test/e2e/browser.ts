// Headless Chromium for the storefront tests: Debian's /usr/bin/chromium driven by playwright-core.
// A missing browser fails the suite with instructions; SKIP_BROWSER_TESTS=1 is the only way to skip it.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { patience } from './patience.ts';
import type { Stack } from './stack.ts';

/** A wait for the page to show something (a locator, an assertion retried): 15 s on an idle machine. */
export const pageWaitMs = () => patience(15_000);

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SKIP_BROWSER_TESTS = process.env.SKIP_BROWSER_TESTS === '1';
const resultsDir = resolve(import.meta.dirname, '../../../../test-results/storefront');

export function requireChromium(): void {
  if (existsSync(CHROMIUM_PATH)) return;
  throw new Error(
    [
      `THE STOREFRONT BROWSER TESTS NEED CHROMIUM, AND ${CHROMIUM_PATH} DOES NOT EXIST.`,
      'Install it:   sudo apt-get install -y chromium      (Debian/Ubuntu; the package puts it at /usr/bin/chromium)',
      'or point at another Chromium / Chrome binary:   CHROMIUM_PATH=/path/to/chrome npm test',
      'or, knowingly, skip these tests:   SKIP_BROWSER_TESTS=1 npm test',
    ].join('\n'),
  );
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 900 };

export interface PageOptions {
  viewport?: { width: number; height: number };
  /** Serve this instead of the stack's config.json (another store, another sign-in mode). */
  config?: object;
}

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 90);

/**
 * A fresh browser context (its own storage: a new visitor) for one test. Uncaught page errors fail the
 * test; on failure every page of the context is screenshotted into test-results/storefront/.
 */
export async function withContext(
  browser: Browser,
  stack: Stack,
  options: PageOptions,
  run: (context: BrowserContext, newPage: () => Promise<Page>) => Promise<void>,
): Promise<void> {
  const context = await browser.newContext({
    viewport: options.viewport ?? DESKTOP,
    baseURL: stack.url,
    locale: 'en-US',
  });
  context.setDefaultTimeout(pageWaitMs());
  const config = options.config;
  if (config) await context.route(/\/config\.json$/, (route) => route.fulfill({ json: config }));
  const pageErrors: string[] = [];
  const newPage = async () => {
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    return page;
  };
  try {
    await run(context, newPage);
    expect(pageErrors, 'uncaught errors in the page').toEqual([]);
  } catch (error) {
    await mkdir(resultsDir, { recursive: true });
    const name = slug(expect.getState().currentTestName ?? 'storefront');
    await Promise.all(
      context
        .pages()
        .map((page, i) =>
          page
            .screenshot({ path: join(resultsDir, `${name}-${i + 1}.png`), fullPage: true })
            .catch(() => undefined),
        ),
    );
    throw error;
  } finally {
    await context.close();
  }
}

/** Retries an assertion until it passes (the page renders asynchronously) or the time is up. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = pageWaitMs()): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}

export async function textOf(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/** Waits until the page shows `text` somewhere in `selector`. */
export async function expectText(
  page: Page,
  selector: string,
  text: string | RegExp,
  timeoutMs = pageWaitMs(),
) {
  await eventually(async () => {
    const content = await textOf(page, selector);
    if (typeof text === 'string') expect(content).toContain(text);
    else expect(content).toMatch(text);
  }, timeoutMs);
}

/** A link of the main navigation (the page may have others with the same words). */
export const navLink = (page: Page, name: string | RegExp) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: typeof name === 'string' });

/** The header's "Sign in" link. */
export const openSignIn = (page: Page) => page.getByRole('link', { name: 'Sign in', exact: true }).click();

/** Signs in through the dev-issuer form, as a person would (on the sign-in page, or being sent there). */
export async function signInDev(
  page: Page,
  who: { tenant?: string; role: 'admin' | 'customer'; sub: string; email?: string },
): Promise<void> {
  await page.waitForURL(/#\/signin/);
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
  if (who.tenant) await page.getByLabel('Store (tenant)').fill(who.tenant);
  await page.getByLabel(who.role === 'admin' ? /^Admin/ : /^Customer/).check();
  await page.getByLabel('User id (optional)').fill(who.sub);
  if (who.email) await page.getByLabel('Email (optional)').fill(who.email);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.locator('#who').waitFor();
}

/** The horizontal overflow of the page, in pixels (0 = nothing sticks out sideways). */
export const sidewaysOverflow = (page: Page) =>
  page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
