/**
 * Every output line of every process a resilience scenario starts (hosts, their workers, the simulator,
 * Azurite), kept in memory for assertions and written to `.local/resilience/logs/<suite>/<process>.log`
 * so a failure can be read afterwards and the secret scan has something real to read.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPO_ROOT } from '../../support/processes';

export const LOGS_ROOT = join(REPO_ROOT, '.local', 'resilience', 'logs');

export class LogCollector {
    readonly dir: string;
    readonly #lines = new Map<string, string[]>();

    constructor(readonly suite: string) {
        this.dir = join(LOGS_ROOT, suite);
        rmSync(this.dir, { recursive: true, force: true });
        mkdirSync(this.dir, { recursive: true });
    }

    /** A line sink for one process (names are unique per suite: `host-1`, `simulator`, `azurite`…). */
    sink(process: string): (line: string) => void {
        const lines = this.#lines.get(process) ?? [];
        this.#lines.set(process, lines);
        return (line) => lines.push(line);
    }

    /** Keeps a process's own growing list of lines (a TestProcess's `lines`). */
    track(process: string, lines: string[]): void {
        if (this.#lines.has(process)) throw new Error(`a process named ${process} is already tracked`);
        this.#lines.set(process, lines);
    }

    lines(process: string): string[] {
        return this.#lines.get(process) ?? [];
    }

    /** Every process's lines, by process name. */
    all(): Map<string, string[]> {
        return new Map(this.#lines);
    }

    /** Lines of every process that match, with the process's name in front. */
    matching(pattern: RegExp): string[] {
        const found: string[] = [];
        for (const [name, lines] of this.#lines)
            for (const line of lines) if (pattern.test(line)) found.push(`${name}: ${line}`);
        return found;
    }

    flush(): void {
        for (const [name, lines] of this.#lines) writeFileSync(join(this.dir, `${name}.log`), `${lines.join('\n')}\n`);
    }
}
