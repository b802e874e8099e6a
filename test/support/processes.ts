import { join } from 'node:path';

import { ManagedChild } from '../../dev/shared/childProcess';
import { waitFor } from './poll';

export const REPO_ROOT = join(__dirname, '..', '..');

/**
 * A node child (run through tsx) whose every output line is kept for assertions. It is stopped by
 * `stop()`, killed when the test process exits, and exits by itself if the test process dies.
 */
export class TestProcess {
    readonly child: ManagedChild;
    readonly lines: string[] = [];

    constructor(name: string, script: string, args: string[], env: NodeJS.ProcessEnv = {}) {
        this.child = new ManagedChild({
            name,
            nodeArgs: ['--import', 'tsx', join(REPO_ROOT, script), ...args],
            cwd: REPO_ROOT,
            env: { ...process.env, ...env },
            onLine: (line) => this.lines.push(line),
        });
    }

    get pid(): number {
        return this.child.pid;
    }

    /** The first line matching `pattern`, waiting for it if needed. */
    async waitForLine(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
        return waitFor(
            () => `a line matching ${String(pattern)} from ${this.child.name}\n--- last output ---\n${this.output(30)}`,
            () => {
                for (const line of this.lines) {
                    const match = pattern.exec(line);
                    if (match) return match;
                }
                return undefined;
            },
            { timeoutMs, whileRunning: this.child },
        );
    }

    matching(pattern: RegExp): RegExpMatchArray[] {
        return this.lines.map((line) => pattern.exec(line)).filter((m): m is RegExpExecArray => m !== null);
    }

    /** All output so far, or the last `last` lines. */
    output(last?: number): string {
        return (last === undefined ? this.lines : this.lines.slice(-last)).join('\n');
    }

    async stop(): Promise<void> {
        await this.child.stop();
    }
}

export interface HostProcess extends TestProcess {
    url: string;
    port: number;
}

/** Starts dev/host/main.ts on a free port and waits for its HOST_READY line. */
export async function startHostProcess(
    args: string[],
    env: NodeJS.ProcessEnv = {},
    timeoutMs = 30_000,
): Promise<HostProcess> {
    const host = new TestProcess('host', 'dev/host/main.ts', ['--port', '0', ...args], env);
    try {
        const [, json = '{}'] = await host.waitForLine(/^HOST_READY (.*)$/, timeoutMs);
        const ready = JSON.parse(json) as { url: string; port: number };
        return Object.assign(host, { url: ready.url, port: ready.port });
    } catch (error) {
        await host.stop();
        throw error;
    }
}
