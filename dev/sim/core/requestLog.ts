import type { ServiceName } from './http';

export interface RequestLogEntry {
    /** Monotonic sequence number; `GET /control/requests?since=<seq>` returns entries after it. */
    seq: number;
    /** Simulator clock time the request arrived, ISO 8601. */
    time: string;
    service: ServiceName;
    method: string;
    path: string;
    /** Query string without secrets (client_secret, code, tokens such as id_token_hint are redacted). */
    query: string;
    tenant: string | undefined;
    status: number;
    durationMs: number;
    /** Graph: the request arrived before the Retry-After of an earlier 429 had elapsed. */
    earlyRetry: boolean;
    /** A fault rule produced (or delayed) this response. */
    faulted: boolean;
    clientRequestId: string | undefined;
}

const REDACTED_QUERY_KEYS = new Set([
    'client_secret',
    'code',
    'code_verifier',
    'refresh_token',
    'assertion',
    'client_assertion',
    'password',
    // Sent to the logout endpoint: a whole signed id token (the user's name, e-mail and object id).
    'id_token_hint',
]);

/** Bounded in-memory log of every request the simulator answered. */
export class RequestLog {
    private readonly entries: RequestLogEntry[] = [];
    private nextSeq = 1;

    constructor(private readonly capacity = 50_000) {}

    add(entry: Omit<RequestLogEntry, 'seq'>): RequestLogEntry {
        const full = { ...entry, seq: this.nextSeq++ };
        this.entries.push(full);
        if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
        return full;
    }

    since(seq: number): RequestLogEntry[] {
        return this.entries.filter((e) => e.seq > seq);
    }

    get lastSeq(): number {
        return this.nextSeq - 1;
    }
}

export function redactQuery(search: URLSearchParams): string {
    const copy = new URLSearchParams(search);
    for (const key of [...copy.keys()]) if (REDACTED_QUERY_KEYS.has(key.toLowerCase())) copy.set(key, 'REDACTED');
    const text = copy.toString();
    return text === '' ? '' : `?${text}`;
}
