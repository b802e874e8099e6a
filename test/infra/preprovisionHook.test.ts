/**
 * infra/hooks/preprovision.mjs, run the way azd runs it: a child process whose environment holds
 * the azd environment's values. It must stop the first provision of an environment that has no
 * GRAPH_CLIENT_SECRET, and let every other provision through.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { parseSimpleYaml } from './infraChecks';

const ROOT = resolve(__dirname, '../..');
const SCRIPT = join(ROOT, 'infra/hooks/preprovision.mjs');

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** Only the given variables (plus PATH, for sh), so nothing leaks in from the developer's shell. */
function environment(values: Record<string, string>): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH ?? '', ...values };
}

function runScript(values: Record<string, string>): Run {
    const result = spawnSync(process.execPath, [SCRIPT], { cwd: ROOT, env: environment(values), encoding: 'utf8' });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('preprovision hook: the first provision needs GRAPH_CLIENT_SECRET', () => {
    it.each([
        ['neither value is set', {}],
        ['the secret is empty', { GRAPH_CLIENT_SECRET: '' }],
        ['the secret is only white space', { GRAPH_CLIENT_SECRET: '  \t' }],
        [
            'the secret is empty and the vault flag is false',
            { GRAPH_CLIENT_SECRET: '', GRAPH_CLIENT_SECRET_IN_VAULT: 'false' },
        ],
        ['the vault flag is not a true', { GRAPH_CLIENT_SECRET_IN_VAULT: 'yes' }],
        ['the vault flag is empty', { GRAPH_CLIENT_SECRET_IN_VAULT: '' }],
    ])('stops with exit code 1 when %s, and says what to set', (_case, values) => {
        const run = runScript(values);
        expect(run.status).toBe(1);
        expect(run.stdout).toBe('');
        expect(run.stderr).toContain('GRAPH_CLIENT_SECRET is required on the first provision');
        expect(run.stderr).toContain("azd env set GRAPH_CLIENT_SECRET '<client secret value>'");
        expect(run.stderr).toContain('azd env set GRAPH_CLIENT_SECRET_IN_VAULT true');
        expect(run.stderr).toContain('Nothing has been deployed');
    });

    it.each([
        ['the secret is given (first provision, or a rotation)', { GRAPH_CLIENT_SECRET: 's3cr3t~value' }],
        [
            'the secret is given and already in the vault',
            { GRAPH_CLIENT_SECRET: 's3cr3t~value', GRAPH_CLIENT_SECRET_IN_VAULT: 'true' },
        ],
        [
            'the secret is empty but azd recorded it in the vault',
            { GRAPH_CLIENT_SECRET: '', GRAPH_CLIENT_SECRET_IN_VAULT: 'true' },
        ],
        ['the secret is unset and the flag is spelled True', { GRAPH_CLIENT_SECRET_IN_VAULT: ' True ' }],
    ])('lets the provision go ahead (exit 0, silent) when %s', (_case, values) => {
        const run = runScript(values);
        expect(run).toEqual({ status: 0, stdout: '', stderr: '' });
    });

    it('never prints the secret', () => {
        const secret = 'do-not-print-me~0123456789';
        for (const flag of ['true', 'false']) {
            const run = runScript({ GRAPH_CLIENT_SECRET: secret, GRAPH_CLIENT_SECRET_IN_VAULT: flag });
            expect(run.stdout + run.stderr).not.toContain(secret);
        }
    });
});

// The command azure.yaml gives azd for POSIX, run through sh from the project root as azd does.
// (The Windows entry needs PowerShell 7; the infra tests check its text, they cannot run it here.)
const shAvailable = process.platform !== 'win32' && existsSync('/bin/sh');

(shAvailable ? describe : describe.skip)('preprovision hook: the posix command in azure.yaml', () => {
    const yaml = parseSimpleYaml(readFileSync(join(ROOT, 'azure.yaml'), 'utf8'));
    const hooks = yaml.hooks;
    const preprovision = typeof hooks === 'object' ? hooks.preprovision : undefined;
    const posix = typeof preprovision === 'object' ? preprovision.posix : undefined;
    const run = typeof posix === 'object' ? posix.run : undefined;
    const command = typeof run === 'string' ? run : undefined;

    const runCommand = (values: Record<string, string>) =>
        spawnSync('/bin/sh', ['-c', command ?? 'exit 99'], { cwd: ROOT, env: environment(values), encoding: 'utf8' });

    it('is declared', () => {
        expect(typeof command).toBe('string');
    });

    it('exits non-zero for a first provision without the secret, so azd stops', () => {
        const run = runCommand({ GRAPH_CLIENT_SECRET: '' });
        expect(run.status).toBe(1);
        expect(run.stderr).toContain('GRAPH_CLIENT_SECRET');
    });

    it('exits 0 when the secret is given or already in the vault', () => {
        expect(runCommand({ GRAPH_CLIENT_SECRET: 'value' }).status).toBe(0);
        expect(runCommand({ GRAPH_CLIENT_SECRET_IN_VAULT: 'true' }).status).toBe(0);
    });
});
