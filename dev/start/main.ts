/**
 * `npm start`: builds (prestart), then runs the whole local stack — Azurite, the cloud simulator and
 * the local Functions host — and prints where everything is. Ctrl-C stops every child; if one child
 * dies, the rest are stopped and the launcher says which one and why. Prints `STACK_READY {json}` once
 * the app answers /api/health, for scripts and tests.
 */
import { join } from 'node:path';

import { describeExit } from '../shared/childProcess';
import { type RunningStack, StackError, startStack } from './stack';
import { parseStartArgs, START_USAGE, StartArgsError } from './startArgs';
import type { StackFile } from './stackFile';

const REPO_ROOT = join(__dirname, '..', '..');

function print(line: string): void {
    process.stdout.write(`${line}\n`);
}

function fail(error: unknown): never {
    // Failures the launcher diagnosed are printed as their message; anything else is a bug: show the stack.
    const diagnosed = error instanceof StackError || error instanceof StartArgsError;
    const text = !(error instanceof Error) ? String(error) : diagnosed ? error.message : (error.stack ?? error.message);
    process.stderr.write(`\nnpm start failed: ${text}\n`);
    process.exit(1);
}

/** What a browser shows on the simulator's sign-in pages the first time, and the one command that avoids it. */
const TRUST_HINT =
    "  First sign-in: the browser warns about the sign-in pages' certificate (local CA); run npm run trust-ca once to trust it (npm run untrust-ca undoes it).";

function summary(
    running: { stack: StackFile; stackFile: string; restored: boolean },
    stateDir: string,
    seconds: string,
    timings: Record<string, number>,
): string[] {
    const { stack, stackFile } = running;
    const origin = (url: string) => new URL(url).origin;
    const lines = [
        '',
        '─'.repeat(72),
        `Tenant Sync is running: open ${stack.app.url}`,
        ...(stack.simulator ? [TRUST_HINT] : []),
        '',
        `  App (local Functions host)  ${stack.app.url}   health: ${stack.app.url}/api/health`,
        `  Storage (Azurite)           blob ${origin(stack.storage.blobUrl)}, queue ${origin(stack.storage.queueUrl)}, table ${origin(stack.storage.tableUrl)}`,
    ];
    if (stack.simulator) {
        lines.push(
            `  Sign-in (simulated Entra)   ${stack.simulator.authorityHost}`,
            `  Microsoft Graph (simulated) ${stack.simulator.graphBaseUrl}`,
            `  Key Vault (simulated)       ${stack.simulator.keyVaultUrl}`,
            `  Simulator control API       ${stack.simulator.controlUrl}`,
            '',
            // The admin sign-in names and passwords are fixtures the simulator generated from its seed for its
            // fake tenants, not secrets of any real system; a person needs them to try the product. Nothing
            // else from the stack file (client secret, IDENTITY_HEADER, tokens) is ever printed.
            '  Test tenants (sign in as the admin to connect a tenant):',
            ...(stack.tenants ?? []).flatMap((tenant) => {
                const t = tenant as {
                    displayName?: string;
                    userCount?: number;
                    admin?: { username: string; password: string } | null;
                };
                return [
                    `    ${t.displayName ?? '?'} (${t.userCount ?? '?'} users)` +
                        (t.admin ? `  admin ${t.admin.username} / ${t.admin.password}` : ''),
                ];
            }),
        );
    } else {
        lines.push('  Cloud simulator             not started (dev/sim/main.ts is missing)');
    }
    lines.push(
        '',
        `  Local state in ${stateDir}: ${running.restored ? 'continued from the last run' : 'a new world'} (npm start -- --reset starts over)`,
        `  Connection details, credentials and process ids: ${stackFile}`,
        `  Started in ${seconds} s (${Object.entries(timings)
            .map(([part, s]) => `${part} ${s} s`)
            .join(', ')}). Press Ctrl-C to stop everything.`,
        '─'.repeat(72),
        '',
    );
    return lines;
}

async function main(): Promise<void> {
    const args = parseStartArgs(process.argv.slice(2), process.env, REPO_ROOT);
    if (args.help) {
        print(START_USAGE);
        return;
    }
    print(`Starting the local stack (state in ${args.stateDir}) ...`);
    // Set once the stack is up; a signal during start-up is handled after startStack returns.
    const current: { stack?: RunningStack } = {};
    let interrupted = false;
    const onSignal = (signal: NodeJS.Signals) => {
        if (interrupted) {
            print('Second interrupt: exiting now (children are killed on exit).');
            process.exit(130);
        }
        interrupted = true;
        print(`\n${signal}: stopping the host, the simulator and Azurite ...`);
        if (current.stack === undefined) return;
        current.stack.stop().then(
            () => {
                print('Stopped. Every child process has exited.');
                process.exit(0);
            },
            (error: unknown) => fail(error),
        );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    const stack = await startStack({ ...args, repoRoot: REPO_ROOT, print });
    current.stack = stack;
    if (interrupted) {
        await stack.stop();
        process.exit(0);
    }
    const seconds = process.uptime().toFixed(1);
    for (const line of summary(stack, args.stateDir, seconds, stack.timings)) print(line);
    print(
        `STACK_READY ${JSON.stringify({ appUrl: stack.appUrl, stackFile: stack.stackFile, pids: stack.stack.pids, startupSeconds: Number(seconds) })}`,
    );

    const crash = await stack.crashed;
    process.stderr.write(
        `\n${crash.name} (pid ${crash.pid}) stopped unexpectedly (${describeExit(crash.exit)}); stopping the rest.\n` +
            (crash.lastLines.length > 0 ? `Last output of ${crash.name}:\n  ${crash.lastLines.join('\n  ')}\n` : ''),
    );
    await stack.stop();
    process.stderr.write('All other processes stopped.\n');
    process.exit(1);
}

main().catch(fail);
