/**
 * Where the simulator keeps its state between runs: `<state dir>/sim/state.json` (owner-only, replaced
 * atomically) and `<state dir>/sim/lock` (the process using it). Saves are coalesced: a burst of changes is
 * written once, at most a second after the first of them, and whatever is pending is written on stop.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { acquireLock, type HeldLock, LockHeldError } from '../../shared/lockFile';
import { writeJsonFileAtomic } from '../../shared/jsonFile';
import type { WorldSpec } from '../directory';
import { checkSavedState, type SavedState } from './savedState';

/** A state directory this simulator cannot use: in use by another process, or holding state of another world. */
export class StateDirectoryError extends Error {
    override readonly name = 'StateDirectoryError';
}

const QUIET_MS = 200;
const MAX_DELAY_MS = 1000;

export class SimulatorStateDirectory {
    readonly dir: string;
    readonly statePath: string;
    readonly lockPath: string;
    private lock: HeldLock | undefined;
    private timer: NodeJS.Timeout | undefined;
    private firstPendingAt: number | undefined;
    private writing: Promise<void> = Promise.resolve();
    private closed = false;

    constructor(
        stateDir: string,
        private readonly capture: () => Promise<SavedState>,
    ) {
        this.dir = join(stateDir, 'sim');
        this.statePath = join(this.dir, 'state.json');
        this.lockPath = join(this.dir, 'lock');
    }

    /** Takes the directory for this process; a live simulator already using it is refused by name. */
    open(): void {
        try {
            this.lock = acquireLock(this.lockPath);
        } catch (error) {
            if (!(error instanceof LockHeldError)) throw error;
            throw new StateDirectoryError(
                `the state directory ${this.dir} is in use by another simulator (process ${error.pid}); stop it, or give this one its own state directory`,
            );
        }
    }

    /** Forgets the saved state (`--reset`). */
    reset(): void {
        rmSync(this.statePath, { force: true });
    }

    /** The saved state, if any and if it fits this simulator's seed and world. */
    load(seed: string, world: WorldSpec): SavedState | undefined {
        let text: string;
        try {
            text = readFileSync(this.statePath, 'utf8');
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
            throw error;
        }
        let value: unknown;
        try {
            value = JSON.parse(text);
        } catch {
            throw new StateDirectoryError(`${this.statePath} is not valid JSON; start with --reset to discard it`);
        }
        const checked = checkSavedState(value, seed, world);
        if (typeof checked === 'string')
            throw new StateDirectoryError(
                `cannot use the saved state in ${this.statePath}: ${checked}; start with --reset to discard it, or use another state directory`,
            );
        return checked;
    }

    /** Something changed: save soon (coalescing bursts, never later than a second after the first change). */
    changed(): void {
        if (this.closed) return;
        const now = Date.now();
        this.firstPendingAt ??= now;
        if (this.timer !== undefined) clearTimeout(this.timer);
        const wait = Math.max(0, Math.min(QUIET_MS, this.firstPendingAt + MAX_DELAY_MS - now));
        this.timer = setTimeout(() => void this.flush().catch(reportSaveFailure), wait);
        this.timer.unref();
    }

    /** Writes the current state now (after any write in progress). */
    flush(): Promise<void> {
        if (this.closed) return this.writing;
        if (this.timer !== undefined) clearTimeout(this.timer);
        this.timer = undefined;
        this.firstPendingAt = undefined;
        this.writing = this.writing
            .catch(() => undefined)
            .then(async () => writeJsonFileAtomic(this.statePath, await this.capture()));
        return this.writing;
    }

    /** Saves what is pending and lets another process use the directory. */
    async close(): Promise<void> {
        try {
            await this.flush();
        } finally {
            this.release();
        }
    }

    release(): void {
        this.closed = true;
        if (this.timer !== undefined) clearTimeout(this.timer);
        this.timer = undefined;
        this.lock?.release();
        this.lock = undefined;
    }
}

function reportSaveFailure(error: unknown): void {
    console.error('[sim] could not save the simulator state:', error);
}
