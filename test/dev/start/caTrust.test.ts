/**
 * `npm run trust-ca` / `npm run untrust-ca` (dev/start/caTrust.ts), like mkcert -install/-uninstall: the local
 * CA goes into the system store and the NSS stores of Chromium (~/.pki/nssdb) and Firefox profiles that exist,
 * and comes out again. Never against this machine's real stores: a temporary home, anchors directory and
 * update command stand in for them. certutil (Debian's libnss3-tools) is optional; a stand-in records how it
 * is called, and where the real one is installed it is used too, with headless Chromium as the judge.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

import {
    caIdentity,
    changeTrust,
    defaultEnvironment,
    nssDatabases,
    type TrustEnvironment,
} from '../../../dev/start/caTrust';
import { launchChromium } from '../../support/chromium';
import { startTestSimulator } from '../../support/simulator';
import { REPO_ROOT } from '../../support/processes';

const CA = join(REPO_ROOT, '.local', 'tls', 'ca.pem');
let dir: string;
let home: string;
let anchors: string;
let bin: string;

beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'trust-ca-'));
    home = join(dir, 'home');
    anchors = join(dir, 'anchors');
    bin = join(dir, 'bin');
    for (const d of [home, anchors, bin]) mkdirSync(d, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** An executable script in the temporary bin directory. */
function script(name: string, body: string): string {
    const path = join(bin, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
}

/** The environment of this machine, except that its stores, home and PATH are the temporary ones. */
function environment(options: { isRoot: boolean; path?: string }): TrustEnvironment {
    const update = script('fake-update-ca-certificates', `echo "$@" >> ${join(dir, 'update.log')}`);
    return {
        ...defaultEnvironment({ ...process.env, HOME: home, PATH: options.path ?? bin }),
        systemStores: [{ name: 'test store', anchors, extension: '.crt', update: [update] }],
        isRoot: options.isRoot,
    };
}

/** A certutil stand-in: records its arguments, keeps nicknames in a file beside the database. */
function fakeCertutil(): void {
    script(
        'certutil',
        `echo "$@" >> ${join(dir, 'certutil.log')}
db=$(echo "$3" | sed 's/^[a-z]*://'); [ -n "$db" ] || exit 2; list="$db/trusted.txt"; touch "$list"
case "$1" in
  -L) grep -qxF "$5" "$list" ;;
  -A) echo "$7" >> "$list" ;;
  -D) grep -vxF "$5" "$list" > "$list.new"; mv "$list.new" "$list" ;;
esac`,
    );
}

function nssStores(): { chromium: string; firefox: string; snap: string } {
    const chromiumDb = join(home, '.pki', 'nssdb');
    const firefox = join(home, '.mozilla', 'firefox', 'x1y2.default-release');
    const snap = join(home, 'snap', 'firefox', 'common', '.mozilla', 'firefox', 'old.default');
    for (const d of [chromiumDb, firefox, snap]) mkdirSync(d, { recursive: true });
    writeFileSync(join(chromiumDb, 'cert9.db'), '');
    writeFileSync(join(firefox, 'cert9.db'), '');
    writeFileSync(join(snap, 'cert8.db'), '');
    mkdirSync(join(home, '.mozilla', 'firefox', 'not-a-profile'));
    return { chromium: `sql:${chromiumDb}`, firefox: `sql:${firefox}`, snap: `dbm:${snap}` };
}

describe('with stand-in stores and certutil', () => {
    it('finds Chromium and every Firefox profile that has an NSS database', () => {
        const stores = nssStores();
        expect(nssDatabases(home).sort()).toEqual([stores.chromium, stores.firefox, stores.snap].sort());
    });

    it('trusts the CA in the system store and every NSS store, and removes it again', () => {
        const stores = nssStores();
        fakeCertutil();
        // The stand-in comes first on PATH; the shell tools it uses come after it.
        const env = environment({ isRoot: true, path: [bin, '/usr/bin', '/bin'].join(delimiter) });
        const { nickname, fileStem } = caIdentity(CA);
        const anchor = join(anchors, `${fileStem}.crt`);

        const trusted = changeTrust(CA, 'trust', env);
        expect(trusted.map((o) => [o.store, o.result])).toEqual([
            ['system (test store)', 'done'],
            [stores.chromium, 'done'],
            [stores.firefox, 'done'],
            [stores.snap, 'done'],
        ]);
        expect(readFileSync(anchor, 'utf8')).toBe(readFileSync(CA, 'utf8'));
        expect(readFileSync(join(dir, 'update.log'), 'utf8')).toBe('\n');
        const log = readFileSync(join(dir, 'certutil.log'), 'utf8').trim().split('\n');
        expect(log).toContain(`-A -d ${stores.chromium} -t C,, -n ${nickname} -i ${CA}`);
        expect(log).toContain(`-A -d ${stores.snap} -t C,, -n ${nickname} -i ${CA}`);
        // Running it again changes nothing in the NSS stores.
        expect(
            changeTrust(CA, 'trust', env)
                .slice(1)
                .map((o) => o.detail),
        ).toEqual(['already trusted', 'already trusted', 'already trusted']);

        const removed = changeTrust(CA, 'untrust', env);
        expect(removed.map((o) => o.result)).toEqual(['done', 'done', 'done', 'done']);
        expect(existsSync(anchor)).toBe(false);
        expect(readFileSync(join(dir, 'certutil.log'), 'utf8')).toContain(`-D -d ${stores.firefox} -n ${nickname}`);
        expect(changeTrust(CA, 'untrust', env).map((o) => o.result)).toEqual([
            'skipped',
            'skipped',
            'skipped',
            'skipped',
        ]);
    });

    it('uses sudo when not root, and says what to run when there is no sudo', () => {
        const { fileStem } = caIdentity(CA);
        const withoutSudo = changeTrust(CA, 'trust', environment({ isRoot: false }));
        expect(withoutSudo).toEqual([
            {
                store: 'system (test store)',
                result: 'failed',
                detail: `needs root; run: sudo cp ${CA} ${join(anchors, `${fileStem}.crt`)} && sudo ${join(bin, 'fake-update-ca-certificates')}`,
            },
        ]);
        expect(existsSync(join(anchors, `${fileStem}.crt`))).toBe(false);
        // A sudo that runs the command as given.
        script('sudo', '"$@"');
        const withSudo = changeTrust(
            CA,
            'trust',
            environment({ isRoot: false, path: `${bin}${delimiter}/usr/bin${delimiter}/bin` }),
        );
        expect(withSudo[0]?.result).toBe('done');
        expect(existsSync(join(anchors, `${fileStem}.crt`))).toBe(true);
    });

    it('skips the NSS stores, saying how to include them, when certutil is missing', () => {
        nssStores();
        const outcomes = changeTrust(CA, 'trust', environment({ isRoot: true }));
        expect(outcomes[1]).toEqual({
            store: 'Chromium/Firefox (NSS)',
            result: 'skipped',
            detail: 'certutil not found; to include these browsers, install it (Debian/Ubuntu: sudo apt-get install libnss3-tools) and run this again',
        });
        expect(outcomes).toHaveLength(2);
    });

    it('does nothing without a CA, and says where to get one', () => {
        expect(() => changeTrust(join(dir, 'none.pem'), 'trust', environment({ isRoot: true }))).toThrow(
            /no local CA at .*none\.pem; run npm start/,
        );
    });
});

describe('the command line', () => {
    it('refuses unknown actions and a missing CA with exit 1, touching nothing', () => {
        const run = (args: string[]) =>
            spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'dev/start/trustCa.ts'), ...args], {
                cwd: REPO_ROOT,
                encoding: 'utf8',
            });
        const bad = run(['install']);
        expect(bad.status).toBe(1);
        expect(bad.stderr).toContain('Usage: tsx dev/start/trustCa.ts trust|untrust');
        const missing = run(['trust', '--tls-dir', dir]);
        expect(missing.status).toBe(1);
        expect(missing.stderr).toContain(`no local CA at ${join(dir, 'ca.pem')}`);
    });
});

const realCertutil = defaultEnvironment().which('certutil');
// Debian's libnss3-tools is optional on a developer's machine; the stand-in above covers the calls without it.
(realCertutil ? describe : describe.skip)('with Debian certutil and headless Chromium', () => {
    it("Chromium accepts the simulator's HTTPS pages once the CA is trusted in its NSS store, and not after removal", async () => {
        const nssdb = join(home, '.pki', 'nssdb');
        mkdirSync(nssdb, { recursive: true });
        expect(spawnSync(realCertutil ?? '', ['-N', '-d', `sql:${nssdb}`, '--empty-password']).status).toBe(0);
        const env = environment({ isRoot: true, path: process.env.PATH ?? '' });
        const t = await startTestSimulator();
        const url = `${t.origins.login}/common/v2.0/.well-known/openid-configuration`;
        const visit = async () => {
            const browser = await launchChromium({ env: { ...process.env, HOME: home } });
            try {
                const page = await browser.newPage();
                return await page.goto(url).then(
                    (response) => `HTTP ${response?.status() ?? 0}`,
                    (error: Error) => /net::ERR_CERT_[A-Z_]+/.exec(error.message)?.[0] ?? error.message,
                );
            } finally {
                await browser.close();
            }
        };
        try {
            expect(await visit()).toBe('net::ERR_CERT_AUTHORITY_INVALID');
            expect(changeTrust(CA, 'trust', env)[1]).toMatchObject({ store: `sql:${nssdb}`, result: 'done' });
            const listed = spawnSync(realCertutil ?? '', ['-L', '-d', `sql:${nssdb}`], { encoding: 'utf8' }).stdout;
            expect(listed).toMatch(new RegExp(`${caIdentity(CA).nickname}\\s+C,,`));
            expect(await visit()).toBe('HTTP 200');
            expect(changeTrust(CA, 'untrust', env)[1]).toMatchObject({ result: 'done' });
            expect(await visit()).toBe('net::ERR_CERT_AUTHORITY_INVALID');
        } finally {
            await t.stop();
        }
    }, 60_000);
});
