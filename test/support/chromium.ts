/**
 * Debian's Chromium for browser tests, driven by playwright-core (which cannot download its own
 * browser here). A suite skips when it is not installed, except in CI, where .ci/run installs it.
 *
 *   const suite = chromiumAvailable ? describe : describe.skip;
 *   browser = await launchChromium();
 */
import { existsSync } from 'node:fs';

import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export const chromiumAvailable = existsSync(CHROMIUM);
if (!chromiumAvailable && process.env.CI === 'true')
    throw new Error(`${CHROMIUM} is missing in CI: .ci/run should have installed Debian's chromium`);

/** Headless Debian Chromium; `env` for a browser that must see another HOME (its own NSS store). */
export function launchChromium(options: { env?: NodeJS.ProcessEnv } = {}): Promise<Browser> {
    return chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        ...(options.env === undefined ? {} : { env: options.env }),
        args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
            '--disable-dev-shm-usage',
        ],
    });
}
