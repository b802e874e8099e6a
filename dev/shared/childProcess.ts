import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

/** Preload for node children: they exit when this process's end of their stdin closes (see the file). */
export const EXIT_WITH_PARENT_PRELOAD = pathToFileURL(require.resolve('./exitWithParent.mjs')).href;

export interface ChildExit {
    code: number | null;
    signal: NodeJS.Signals | null;
}

export interface ManagedChildOptions {
    /** Short name used in messages, e.g. `azurite`. */
    name: string;
    /** Arguments after `node`; the exit-with-parent preload is added in front. */
    nodeArgs: string[];
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    /** Every output line, as it arrives. */
    onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

const KEPT_LINES = 200;

export function describeExit(exit: ChildExit): string {
    return exit.signal === null ? `exit code ${exit.code}` : `signal ${exit.signal}`;
}

/**
 * A node child process that cannot outlive us: it is killed when this process exits and, through the
 * preload, when this process dies without running exit handlers. Runs in its own process group so a
 * terminal Ctrl-C reaches only the parent, which then stops children in order.
 */
export class ManagedChild {
    readonly name: string;
    readonly pid: number;
    readonly exited: Promise<ChildExit>;
    #exit: ChildExit | undefined;
    readonly #process: ChildProcess;
    readonly #lines: string[] = [];
    readonly #waiters = new Set<(line: string) => void>();

    constructor(options: ManagedChildOptions) {
        this.name = options.name;
        this.#process = spawn(process.execPath, ['--import', EXIT_WITH_PARENT_PRELOAD, ...options.nodeArgs], {
            env: options.env ?? process.env,
            cwd: options.cwd,
            stdio: ['pipe', 'pipe', 'pipe'],
            detached: true,
        });
        if (this.#process.pid === undefined) throw new Error(`Could not start ${options.name}`);
        this.pid = this.#process.pid;
        const killOnExit = () => this.#process.kill('SIGTERM');
        process.on('exit', killOnExit);
        this.exited = new Promise((resolve) => {
            // 'close' comes after the output streams end, so recentLines() is complete by then.
            this.#process.on('close', (code, signal) => {
                process.off('exit', killOnExit);
                this.#exit = { code, signal };
                resolve(this.#exit);
            });
        });
        for (const stream of ['stdout', 'stderr'] as const) {
            const input = this.#process[stream];
            if (input === null) continue;
            createInterface({ input }).on('line', (line) => {
                this.#lines.push(line);
                if (this.#lines.length > KEPT_LINES) this.#lines.shift();
                options.onLine?.(line, stream);
                for (const waiter of this.#waiters) waiter(line);
            });
        }
    }

    get exitInfo(): ChildExit | undefined {
        return this.#exit;
    }

    /** The last output lines (both streams), for error messages. */
    recentLines(count = 20): string[] {
        return this.#lines.slice(-count);
    }

    /** Resolves with the first line (already seen or future) matching `pattern`; rejects if the child exits first or time runs out. */
    waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
        const seen = this.#lines.map((line) => pattern.exec(line)).find((m) => m !== null);
        if (seen) return Promise.resolve(seen);
        return new Promise((resolve, reject) => {
            const done = () => {
                clearTimeout(timer);
                this.#waiters.delete(onLine);
            };
            const onLine = (line: string) => {
                const match = pattern.exec(line);
                if (match) {
                    done();
                    resolve(match);
                }
            };
            const timer = setTimeout(() => {
                done();
                reject(new Error(`${this.name} did not print ${String(pattern)} within ${timeoutMs} ms`));
            }, timeoutMs);
            this.#waiters.add(onLine);
            void this.exited.then((exit) => {
                if (!this.#waiters.has(onLine)) return;
                done();
                reject(new Error(`${this.name} stopped (${describeExit(exit)}) before it was ready`));
            });
        });
    }

    /** SIGTERM, then SIGKILL after `timeoutMs`. Resolves once the process is gone. */
    async stop(timeoutMs = 5000): Promise<ChildExit> {
        if (this.#exit !== undefined) return this.#exit;
        this.#process.kill('SIGTERM');
        const timer = setTimeout(() => this.#process.kill('SIGKILL'), timeoutMs);
        const exit = await this.exited;
        clearTimeout(timer);
        return exit;
    }
}
