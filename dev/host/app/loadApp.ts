import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join, relative } from 'node:path';

import { HostError } from '../errors';
import { expandMainGlob } from './mainGlob';

interface PackageJson {
    main?: unknown;
    type?: unknown;
}

function readPackageJson(appDir: string): PackageJson {
    const path = join(appDir, 'package.json');
    try {
        return JSON.parse(readFileSync(path, 'utf8')) as PackageJson;
    } catch (error) {
        throw new HostError(`Cannot read ${path}: ${(error as Error).message}`);
    }
}

/** The entry files the worker would load: package.json `main` (a glob), expanded in the app directory. */
export function findEntryFiles(appDir: string): string[] {
    const pkg = readPackageJson(appDir);
    const main = typeof pkg.main === 'string' && pkg.main.trim() !== '' ? pkg.main : 'index.js';
    const files = expandMainGlob(main, appDir);
    if (files.length === 0) {
        throw new HostError(
            `package.json "main" (${main}) matches no files in ${appDir}; build the app first (npm run build)`,
        );
    }
    const esm = files.filter((file) => extname(file) === '.mjs' || (pkg.type === 'module' && extname(file) === '.js'));
    if (esm.length > 0) {
        throw new HostError(`ES module entry files are not supported by the local host: ${esm.join(', ')}`);
    }
    return files;
}

/**
 * Requires every entry file in order, which makes the app register its functions. As on the worker
 * (Node 20+), an error in any file stops the whole app; the message says which file and why.
 */
export function loadEntryFiles(appDir: string, files: readonly string[]): void {
    const requireFromApp = createRequire(join(appDir, 'package.json'));
    for (const file of files) {
        try {
            requireFromApp(file);
        } catch (error) {
            const reason = error instanceof Error ? error.message : String(error);
            throw new HostError(`The app failed to load ${relative(appDir, file)}:\n${reason}`, { cause: error });
        }
    }
}
