/**
 * Where the CPU went during a phase of a benchmark: CPU seconds of each process of the local stack,
 * and how busy the whole machine was (other work included), from /proc (Linux). On a 2-core machine the
 * stack's five processes compete for the same cores, so "fetching and writing overlap" can only hold
 * while their CPU demand fits; this shows whether it did.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on every Linux this runs on). */
const TICKS = 100;

function processTicks(pid: number): number {
    try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(fields[11]) + Number(fields[12]);
    } catch {
        return 0; // the process is gone
    }
}

function machineTicks(): { busy: number; total: number } {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    return { busy: total - idle, total };
}

export interface CpuProfile {
    wallMs: number;
    /** CPU seconds per process name. */
    seconds: Record<string, number>;
    /** Share of the machine's CPU time that was busy, whoever used it (0–1). */
    machineBusy: number;
    /** Share of the machine's CPU time used by other processes than those named. */
    othersBusy: number;
    cores: number;
}

/** Starts measuring; `stop()` returns the profile of the time in between. `pids` is read again at stop. */
export function cpuMeter(pids: () => Record<string, number>) {
    const start = performance.now();
    const machine = machineTicks();
    const before = new Map<number, number>();
    const self = process.cpuUsage();
    for (const pid of Object.values(pids())) before.set(pid, processTicks(pid));
    return {
        stop(): CpuProfile {
            const seconds: Record<string, number> = {};
            for (const [name, pid] of Object.entries(pids()))
                seconds[name] = round2((processTicks(pid) - (before.get(pid) ?? 0)) / TICKS);
            const used = process.cpuUsage(self);
            seconds.bench = round2((used.user + used.system) / 1e6);
            const now = machineTicks();
            const total = now.total - machine.total;
            const busy = now.busy - machine.busy;
            const ours = Object.values(seconds).reduce((a, b) => a + b, 0) * TICKS;
            return {
                wallMs: Math.round(performance.now() - start),
                seconds,
                machineBusy: total > 0 ? round2(busy / total) : 0,
                othersBusy: total > 0 ? round2(Math.max(0, busy - ours) / total) : 0,
                cores: cpus().length,
            };
        },
    };
}

export function describeCpu(profile: CpuProfile): string {
    const parts = Object.entries(profile.seconds)
        .filter(([, s]) => s > 0)
        .map(([name, s]) => `${name} ${s.toFixed(1)}`);
    return `CPU s: ${parts.join(', ')}; machine ${Math.round(profile.machineBusy * 100)}% busy of ${profile.cores} cores (others ${Math.round(profile.othersBusy * 100)}%)`;
}

function round2(n: number): number {
    return Math.round(n * 100) / 100;
}

/** The 1-minute load average now, for the notes. */
export function loadNow(): number {
    return Math.round(Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]) * 100) / 100;
}
