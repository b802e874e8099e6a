const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'UTC',
});
const NUMBER = new Intl.NumberFormat('en-GB');

/** "2 Dec 2026, 07:32 UTC"; an empty or unreadable value reads "—". */
export function formatTime(iso: string | undefined): string {
    if (iso === undefined || iso === '') return '—';
    const time = Date.parse(iso);
    return Number.isNaN(time) ? '—' : `${DATE_TIME.format(time)} UTC`;
}

export function formatCount(value: number): string {
    return NUMBER.format(value);
}

/** "1 user", "2 users". */
export function plural(count: number, one: string, many = `${one}s`): string {
    return `${formatCount(count)} ${count === 1 ? one : many}`;
}

/** "3 min 20 s", "45 s", "under 1 s", "—". */
export function formatDuration(fromIso: string | undefined, toIso: string | undefined): string {
    if (fromIso === undefined || toIso === undefined) return '—';
    const ms = Date.parse(toIso) - Date.parse(fromIso);
    if (!Number.isFinite(ms) || ms < 0) return '—';
    const seconds = Math.round(ms / 1000);
    if (seconds === 0) return 'under 1 s';
    if (seconds < 60) return `${seconds} s`;
    const minutes = Math.floor(seconds / 60);
    return minutes < 60 ? `${minutes} min ${seconds % 60} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
