/**
 * Drives the real console in the system's Chromium (playwright-core), shared by the browser
 * tests and `npm run docs:screenshots`, so the screenshots show exactly what the tests check:
 * a host name mapped to loopback (`--host-resolver-rules`), the browser's language, the
 * login form, and the console's own selectors.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where Chromium is (CHROMIUM_PATH, else the distribution's). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A `describe` skip reason when Chromium is absent, else false. */
export const chromiumSkip = existsSync(CHROMIUM_PATH)
  ? false
  : `no Chromium at ${CHROMIUM_PATH} (set CHROMIUM_PATH; CI installs it with .ci/provision.sh)`;

/** Launches headless Chromium; each host in `hosts` resolves to 127.0.0.1 (plain HTTP by name, as on a LAN). */
export async function launchChromium(hosts: string[] = []): Promise<Browser> {
  for (const host of hosts) if (!/^[a-z0-9.-]{1,100}$/.test(host)) throw new Error(`not a host name: ${host.slice(0, 40)}`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--hide-scrollbars',
      ...(hosts.length ? [`--host-resolver-rules=${hosts.map((host) => `MAP ${host} 127.0.0.1`).join(', ')}`] : []),
    ],
  });
}

/** A console page and the errors it logged (console errors, page errors, failed requests). */
export interface ConsolePage {
  page: Page;
  problems: string[];
}

/** Opens the console at `origin` in a fresh context with the given language and viewport. */
export async function openConsole(
  browser: Browser,
  origin: string,
  options: { locale?: string; viewport?: { width: number; height: number }; colorScheme?: 'dark' | 'light' } = {},
): Promise<ConsolePage> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 800 },
    locale: options.locale ?? 'en-US',
    ...(options.locale ? { extraHTTPHeaders: { 'accept-language': options.locale } } : {}),
    ...(options.colorScheme ? { colorScheme: options.colorScheme } : {}),
  });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('requestfailed', (request) => problems.push(`failed ${request.url()}: ${request.failure()?.errorText}`));
  const response = await page.goto(`${origin}/`);
  if (response?.status() !== 200) throw new Error(`console answered ${response?.status()}`);
  return { page, problems };
}

/** Logs in with a token and waits until the socket is connected (`online` in the page's language). */
export async function logIn(page: Page, token: string, online = /^(online|en ligne)/): Promise<void> {
  await page.fill('#token-input', token);
  await page.keyboard.press('Enter');
  await page.locator('#connection-state', { hasText: online }).waitFor();
}

/** Creates a conversation from the sidebar and waits until it is open. */
export async function createConversation(page: Page, title: string): Promise<void> {
  await page.fill('#create-title', title);
  await page.press('#create-title', 'Enter');
  await page.locator('#chat-title', { hasText: title }).waitFor();
}

/** Types a line in the composer and sends it with Enter. */
export async function send(page: Page, line: string): Promise<void> {
  await page.fill('#composer-input', line);
  await page.press('#composer-input', 'Enter');
}

/** Pixels of the message list left below what is visible (0 when at the newest message). */
export async function distanceFromBottom(page: Page): Promise<number> {
  return page.$eval('#message-list', (list) => list.scrollHeight - list.scrollTop - list.clientHeight);
}

/** JSON as it would show if raw results leaked: an object key or an escaped string of one. */
export const RAW_JSON = /[{,]\s*\\?"[A-Za-z_][\w.-]*\\?"\s*:/;
