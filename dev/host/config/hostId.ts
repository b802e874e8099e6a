import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';

import type { AppSettings } from './settings';

function setting(settings: AppSettings, name: string): string | undefined {
    const key = Object.keys(settings).find((k) => k.toLowerCase() === name.toLowerCase());
    const value = key === undefined ? undefined : settings[key]?.trim();
    return value === '' ? undefined : value;
}

function sanitize(id: string): string {
    return id
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, '-')
        .slice(0, 32)
        .replace(/-+$/, '');
}

/**
 * The host id, which names the host's own storage (here: timer schedule status). As in the host
 * (ScriptHostIdProvider): the `AzureFunctionsWebHost__hostid` setting if set, else the site name in Azure,
 * else — running locally — the machine name plus a stable hash of the app's path, at most 32 characters.
 */
export function resolveHostId(appDir: string, settings: AppSettings): string {
    const configured = setting(settings, 'AzureFunctionsWebHost__hostid') ?? setting(settings, 'WEBSITE_SITE_NAME');
    if (configured !== undefined) return sanitize(configured);
    const hash = createHash('sha256').update(resolve(appDir)).digest().readUInt32BE(0);
    return sanitize(`${hostname()}-${hash}`);
}
