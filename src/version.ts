import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function readVersion(): string {
    // Both src/ (tests, tsx) and dist/src/ (host) sit a fixed depth below package.json; walk up to find it.
    for (const up of ['..', '../..', '../../..']) {
        try {
            const pkg = JSON.parse(readFileSync(join(__dirname, up, 'package.json'), 'utf8')) as {
                name?: string;
                version?: string;
            };
            if (pkg.name === 'tenant-sync' && typeof pkg.version === 'string') return pkg.version;
        } catch {
            // not at this level; keep walking
        }
    }
    return '0.0.0-unknown';
}

/** The deployed package version, read once. */
export const appVersion: string = readVersion();
