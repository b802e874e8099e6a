/**
 * Makes the local CA (which signs the simulator's sign-in, Graph and Key Vault certificates) trusted by the
 * places a browser on this machine looks, and removes it again — what mkcert's `-install`/`-uninstall` do:
 * - the system store: Debian/Ubuntu (`/usr/local/share/ca-certificates` + update-ca-certificates), Fedora/RHEL
 *   (`/etc/pki/ca-trust/source/anchors` + update-ca-trust), Arch (`/etc/ca-certificates/trust-source/anchors`
 *   + trust extract-compat), openSUSE (`/usr/share/pki/trust/anchors` + update-ca-certificates);
 * - NSS stores, where they exist: Chromium/Chrome (`~/.pki/nssdb`) and every Firefox profile (also the snap
 *   one), through `certutil` from Debian's libnss3-tools. certutil is never required: without it the NSS
 *   stores are skipped and the command says how to get it.
 * Hand-written rather than a library: no maintained npm package does this; it is a few file copies and two
 * well-known commands.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface SystemStore {
    name: string;
    /** Directory the CA file is copied into. */
    anchors: string;
    /** File extension the store expects. */
    extension: '.crt' | '.pem';
    /** Command that rebuilds the trusted bundle from the anchors. */
    update: string[];
}

export const LINUX_SYSTEM_STORES: readonly SystemStore[] = [
    {
        name: 'Debian/Ubuntu',
        anchors: '/usr/local/share/ca-certificates',
        extension: '.crt',
        update: ['update-ca-certificates'],
    },
    {
        name: 'Fedora/RHEL',
        anchors: '/etc/pki/ca-trust/source/anchors',
        extension: '.pem',
        update: ['update-ca-trust', 'extract'],
    },
    {
        name: 'Arch',
        anchors: '/etc/ca-certificates/trust-source/anchors',
        extension: '.crt',
        update: ['trust', 'extract-compat'],
    },
    {
        name: 'openSUSE',
        anchors: '/usr/share/pki/trust/anchors',
        extension: '.pem',
        update: ['update-ca-certificates'],
    },
];

export interface CommandResult {
    status: number | null;
    output: string;
}

/** Where and how to act; the defaults are this machine. Tests point them at temporary directories. */
export interface TrustEnvironment {
    home: string;
    /** Candidate system stores; the first whose anchors directory exists is used. */
    systemStores: readonly SystemStore[];
    isRoot: boolean;
    /** An executable on PATH, or undefined. */
    which(command: string): string | undefined;
    run(command: string, args: string[]): CommandResult;
}

export function defaultEnvironment(env: NodeJS.ProcessEnv = process.env): TrustEnvironment {
    return {
        home: env.HOME ?? '',
        systemStores: process.platform === 'linux' ? LINUX_SYSTEM_STORES : [],
        isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
        which: (command) =>
            (env.PATH ?? '')
                .split(delimiter)
                .filter(Boolean)
                .map((dir) => join(dir, command))
                .find((path) => existsSync(path)),
        run: (command, args) => {
            const result = spawnSync(command, args, { encoding: 'utf8', env });
            return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() };
        },
    };
}

/** The CA as stores name it: a nickname and file name carrying its fingerprint, so renewals never collide. */
export function caIdentity(caCertPath: string): { fingerprint: string; nickname: string; fileStem: string } {
    const pem = readFileSync(caCertPath, 'utf8');
    const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    const fingerprint = createHash('sha256').update(der).digest('hex');
    const short = fingerprint.slice(0, 12);
    return {
        fingerprint,
        nickname: `Tenant Sync local development CA ${short}`,
        fileStem: `tenant-sync-local-ca-${short}`,
    };
}

/** NSS databases of Chromium and Firefox under `home` (sql: cert9.db or legacy dbm: cert8.db). */
export function nssDatabases(home: string): string[] {
    const found: string[] = [];
    const add = (dir: string) => {
        if (existsSync(join(dir, 'cert9.db'))) found.push(`sql:${dir}`);
        else if (existsSync(join(dir, 'cert8.db'))) found.push(`dbm:${dir}`);
    };
    add(join(home, '.pki', 'nssdb'));
    for (const profiles of [
        join(home, '.mozilla', 'firefox'),
        join(home, 'snap', 'firefox', 'common', '.mozilla', 'firefox'),
    ]) {
        if (!existsSync(profiles)) continue;
        for (const entry of readdirSync(profiles, { withFileTypes: true }))
            if (entry.isDirectory()) add(join(profiles, entry.name));
    }
    return found;
}

export type Outcome = { store: string; result: 'done' | 'skipped' | 'failed'; detail: string };

/** Runs a command as root: directly when we are root, through sudo when it exists, else not at all. */
function privileged(env: TrustEnvironment, command: string[]): CommandResult | undefined {
    const [program = '', ...args] = command;
    if (env.isRoot) return env.run(program, args);
    if (env.which('sudo')) return env.run('sudo', [program, ...args]);
    return undefined;
}

function systemStore(env: TrustEnvironment): SystemStore | undefined {
    return env.systemStores.find((store) => existsSync(store.anchors));
}

function changeSystemStore(env: TrustEnvironment, caCertPath: string, action: 'trust' | 'untrust'): Outcome {
    const store = systemStore(env);
    if (!store) return { store: 'system', result: 'skipped', detail: 'no system certificate store this command knows' };
    const target = join(store.anchors, `${caIdentity(caCertPath).fileStem}${store.extension}`);
    const label = `system (${store.name})`;
    if (action === 'untrust' && !existsSync(target))
        return { store: label, result: 'skipped', detail: 'not trusted there' };
    if (env.isRoot) {
        if (action === 'trust') copyFileSync(caCertPath, target);
        else rmSync(target, { force: true });
    }
    const copy = action === 'trust' ? ['cp', caCertPath, target] : ['rm', '-f', target];
    const steps = env.isRoot ? [store.update] : [copy, store.update];
    for (const step of steps) {
        const result = privileged(env, step);
        if (!result)
            return {
                store: label,
                result: 'failed',
                detail: `needs root; run: ${steps.map((s) => `sudo ${s.join(' ')}`).join(' && ')}`,
            };
        if (result.status !== 0)
            return { store: label, result: 'failed', detail: `${step.join(' ')} failed: ${result.output}` };
    }
    return { store: label, result: 'done', detail: target };
}

function changeNss(env: TrustEnvironment, caCertPath: string, action: 'trust' | 'untrust'): Outcome[] {
    const databases = nssDatabases(env.home);
    if (databases.length === 0) return [];
    const certutil = env.which('certutil');
    if (!certutil)
        return [
            {
                store: 'Chromium/Firefox (NSS)',
                result: 'skipped',
                detail: `certutil not found; to include ${databases.length === 1 ? 'this browser' : 'these browsers'}, install it (Debian/Ubuntu: sudo apt-get install libnss3-tools) and run this again`,
            },
        ];
    const { nickname } = caIdentity(caCertPath);
    return databases.map((db) => {
        const present = env.run(certutil, ['-L', '-d', db, '-n', nickname]).status === 0;
        if (action === 'untrust' && !present) return { store: db, result: 'skipped', detail: 'not trusted there' };
        if (action === 'trust' && present) return { store: db, result: 'done', detail: 'already trusted' };
        const args =
            action === 'trust'
                ? ['-A', '-d', db, '-t', 'C,,', '-n', nickname, '-i', caCertPath]
                : ['-D', '-d', db, '-n', nickname];
        const result = env.run(certutil, args);
        return result.status === 0
            ? { store: db, result: 'done', detail: nickname }
            : { store: db, result: 'failed', detail: `certutil ${args[0] ?? ''} failed: ${result.output}` };
    });
}

/** Trusts (or stops trusting) the CA everywhere this machine has a store; one outcome per store. */
export function changeTrust(caCertPath: string, action: 'trust' | 'untrust', env: TrustEnvironment): Outcome[] {
    if (!existsSync(caCertPath))
        throw new Error(`no local CA at ${caCertPath}; run npm start (or npx tsx dev/tls/main.ts) first`);
    return [changeSystemStore(env, caCertPath, action), ...changeNss(env, caCertPath, action)];
}
