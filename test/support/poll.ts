/**
 * Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` with a message
 * saying what was awaited. Tests wait for conditions this way instead of sleeping for a fixed time.
 */
export async function waitFor<T>(
    description: string | (() => string),
    probe: () => T | undefined | Promise<T | undefined>,
    options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
    const deadline = Date.now() + (options.timeoutMs ?? 15_000);
    let lastError: unknown;
    for (;;) {
        try {
            const value = await probe();
            if (value !== undefined) return value;
        } catch (error) {
            lastError = error;
        }
        if (Date.now() > deadline) {
            const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
            const what = typeof description === 'string' ? description : description();
            throw new Error(`Timed out waiting for ${what}${cause}`);
        }
        await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
    }
}

/** True while a process with this pid exists. */
export function isProcessAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
}
