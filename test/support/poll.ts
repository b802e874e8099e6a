import { type ChildExit, describeExit } from '../../dev/shared/childProcess';

export interface WaitOptions {
    timeoutMs?: number;
    intervalMs?: number;
    /**
     * The child process the condition depends on (e.g. the server that should print a line). Once it has
     * exited, one last probe decides and waiting stops: an exited child will not make the condition true.
     */
    whileRunning?: { name: string; exited: Promise<ChildExit> };
}

/**
 * Polls `probe` until it returns a value other than undefined, or fails with a message saying what was
 * awaited: after `timeoutMs`, or as soon as the `whileRunning` child has exited. Tests wait for
 * conditions this way instead of sleeping for a fixed time.
 */
export async function waitFor<T>(
    description: string | (() => string),
    probe: () => T | undefined | Promise<T | undefined>,
    options: WaitOptions = {},
): Promise<T> {
    const deadline = Date.now() + (options.timeoutMs ?? 15_000);
    const child = options.whileRunning;
    let exit: ChildExit | undefined;
    const exited = child?.exited.then((e) => {
        exit = e;
    });
    let lastError: unknown;
    const failure = (reason: string) => {
        const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
        const what = typeof description === 'string' ? description : description();
        return new Error(`${reason} ${what}${cause}`);
    };
    for (;;) {
        // Taken before probing, so the probe after the exit (output may have arrived just before it) still counts.
        const exitBeforeProbe = exit;
        try {
            const value = await probe();
            if (value !== undefined) return value;
        } catch (error) {
            lastError = error;
        }
        if (exitBeforeProbe !== undefined) {
            throw failure(`${child?.name} exited (${describeExit(exitBeforeProbe)}) while waiting for`);
        }
        if (Date.now() > deadline) throw failure('Timed out waiting for');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
            new Promise((resolve) => (timer = setTimeout(resolve, options.intervalMs ?? 50))),
            ...(exited ? [exited] : []),
        ]);
        clearTimeout(timer);
    }
}

// The one check of whether a pid is alive, shared with the launcher's lock file.
export { isProcessAlive } from '../../dev/shared/lockFile';
