/**
 * `npm run trust-ca` / `npm run untrust-ca` (`tsx dev/start/trustCa.ts trust|untrust [--tls-dir <dir>]`):
 * make the local CA in .local/tls trusted by the system store and by Chromium's and Firefox's NSS stores
 * where they exist, or remove it again. See caTrust.ts.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { changeTrust, defaultEnvironment } from './caTrust';

const USAGE = 'Usage: tsx dev/start/trustCa.ts trust|untrust [--tls-dir <dir>]';

function main(): number {
    let parsed;
    try {
        parsed = parseArgs({
            args: process.argv.slice(2),
            options: { 'tls-dir': { type: 'string' } },
            allowPositionals: true,
            strict: true,
        });
    } catch (error) {
        console.error(`${(error as Error).message}\n${USAGE}`);
        return 1;
    }
    const [action] = parsed.positionals;
    if ((action !== 'trust' && action !== 'untrust') || parsed.positionals.length !== 1) {
        console.error(USAGE);
        return 1;
    }
    const caCertPath = join(
        resolve(parsed.values['tls-dir'] ?? join(__dirname, '..', '..', '.local', 'tls')),
        'ca.pem',
    );
    let outcomes;
    try {
        outcomes = changeTrust(caCertPath, action, defaultEnvironment());
    } catch (error) {
        console.error((error as Error).message);
        return 1;
    }
    console.log(`${action === 'trust' ? 'Trusting' : 'Removing'} the local CA ${caCertPath}:`);
    for (const outcome of outcomes) console.log(`  ${outcome.result.padEnd(7)} ${outcome.store}: ${outcome.detail}`);
    const failed = outcomes.some((o) => o.result === 'failed');
    if (!failed && action === 'trust')
        console.log(
            "Browsers now accept the simulator's sign-in pages without a warning (restart Firefox if it is open).",
        );
    return failed ? 1 : 0;
}

process.exitCode = main();
