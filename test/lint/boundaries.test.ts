/**
 * The import boundaries in eslint.config.mjs, proven on fixtures: every file under test/lint/fixtures is
 * linted with the repository's own config as if it stood at the same path below the root
 * (fixtures/src/importsDev.ts as src/importsDev.ts). Each bad import must be reported by its rule, with
 * nothing else, and each good fixture must lint clean, so a rule that stopped firing, or fired on
 * everything, fails here. `npm run lint` skips the fixtures.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { REPO_ROOT } from '../support/processes';

interface Message {
    ruleId: string | null;
    message: string;
    line: number;
}

const RESTRICTED = 'import-x/no-restricted-paths';
const UNDECLARED = 'import-x/no-extraneous-dependencies';
const PRODUCT_ZONE = 'src/ is what deploys to Azure';
const DEV_ZONE = 'dev/ runs only on a developer machine';

let lintedAs: Map<string, Message[]>;

beforeAll(async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, 'lintAsIf.mjs')], {
        cwd: REPO_ROOT,
    });
    const results = JSON.parse(stdout) as { path: string; messages: Message[] }[];
    lintedAs = new Map(results.map((r) => [r.path, r.messages]));
}, 60_000);

const violations: [path: string, rule: string, says: string][] = [
    ['src/importsDev.ts', RESTRICTED, `"../dev/shared/childProcess" imported in restricted zone. ${PRODUCT_ZONE}`],
    [
        'src/importsDevDynamically.ts',
        RESTRICTED,
        `"../dev/sim/core/clock" imported in restricted zone. ${PRODUCT_ZONE}`,
    ],
    ['src/importsTest.ts', RESTRICTED, `"../test/support/poll" imported in restricted zone. ${PRODUCT_ZONE}`],
    ['src/importsBench.ts', RESTRICTED, `"../bench/support/report" imported in restricted zone. ${PRODUCT_ZONE}`],
    [
        'src/importsDevDependency.ts',
        UNDECLARED,
        "'@peculiar/x509' should be listed in the project's dependencies, not devDependencies",
    ],
    [
        'src/importsUndeclaredPackage.ts',
        UNDECLARED,
        "'@azure/core-client' should be listed in the project's dependencies",
    ],
    [
        'test/importsUndeclaredPackage.ts',
        UNDECLARED,
        "'@azure/core-client' should be listed in the project's dependencies",
    ],
    // The import dev/host/timer/timerTrigger.ts has on this branch (the host's own NCRONTAB replaces it).
    [
        'dev/host/timer/importsProductSchedule.ts',
        RESTRICTED,
        `"../../../src/config/schedule" imported in restricted zone. ${DEV_ZONE}`,
    ],
    ['dev/start/importsProductTypes.ts', RESTRICTED, `"../../src/config" imported in restricted zone. ${DEV_ZONE}`],
    [
        'dev/sim/importsHost.ts',
        RESTRICTED,
        '"../host/routing/routeTemplate" imported in restricted zone. The cloud simulator and the local Functions host are independent',
    ],
    [
        'dev/host/importsSim.ts',
        RESTRICTED,
        '"../sim/core/clock" imported in restricted zone. The local Functions host and the cloud simulator are independent',
    ],
    [
        'dev/shared/importsStart.ts',
        RESTRICTED,
        '"../start/startArgs" imported in restricted zone. dev/shared is the leaf the dev tools share',
    ],
];

/** What each folder may import: its own code, declared packages and the folders the rules leave open. */
const clean = [
    'src/good.ts',
    'dev/host/good.ts',
    'dev/sim/good.ts',
    'dev/shared/good.ts',
    'test/good.ts',
    'bench/good.ts',
];

function messagesOf(path: string): Message[] {
    const messages = lintedAs.get(path);
    if (messages === undefined) throw new Error(`no fixture test/lint/fixtures/${path}`);
    return messages;
}

it.each(violations)('%s is reported by %s', (path, rule, says) => {
    const messages = messagesOf(path);
    expect(messages).toEqual([{ ruleId: rule, message: expect.stringContaining(says), line: expect.any(Number) }]);
});

it.each(clean)('%s lints clean', (path) => {
    expect(messagesOf(path)).toEqual([]);
});

it('has a case above for every fixture', () => {
    const covered = [...violations.map(([path]) => path), ...clean].sort();
    expect([...lintedAs.keys()].sort()).toEqual(covered);
});
