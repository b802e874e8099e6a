import type { GraphUserProperty } from './userModel';

export type ChangeKind = 'created' | 'updated' | 'softDeleted' | 'restored' | 'hardDeleted';

export interface ChangeEntry {
    seq: number;
    userId: string;
    kind: ChangeKind;
    /** For `updated`: the properties whose value changed. */
    properties: readonly GraphUserProperty[];
    /** Simulator clock, ms. */
    time: number;
}

/** One object to report in a delta round: its last change within the window, and what changed. */
export interface ChangedObject {
    userId: string;
    lastSeq: number;
    /** Union of the properties changed within the window; undefined when the object was (re)created or deleted. */
    changedProperties: Set<GraphUserProperty> | undefined;
}

/**
 * A tenant's change log: every directory change gets the next sequence number. Delta rounds are
 * windows (fromSeq, toSeq] of this log. Memory grows with the number of changes, never with the
 * size of the tenant.
 */
export class ChangeLog {
    private readonly entries: ChangeEntry[] = [];
    private seq = 0;

    get lastSeq(): number {
        return this.seq;
    }

    get size(): number {
        return this.entries.length;
    }

    /** Everything the log holds, for the simulator's saved state. */
    snapshot(): { seq: number; entries: ChangeEntry[] } {
        return { seq: this.seq, entries: this.entries.map((e) => ({ ...e, properties: [...e.properties] })) };
    }

    restore(saved: { seq: number; entries: ChangeEntry[] }): void {
        this.entries.splice(0, this.entries.length, ...saved.entries);
        this.seq = saved.seq;
    }

    append(userId: string, kind: ChangeKind, time: number, properties: readonly GraphUserProperty[] = []): ChangeEntry {
        const entry: ChangeEntry = { seq: ++this.seq, userId, kind, properties, time };
        this.entries.push(entry);
        return entry;
    }

    /**
     * Objects changed in (fromSeq, toSeq], ordered by their last change. With `tracked`, updates
     * that touched none of the tracked properties are left out (Graph tracks only `$select`ed
     * properties); creations, deletions and restores always count.
     */
    changedBetween(fromSeq: number, toSeq: number, tracked?: ReadonlySet<string>): ChangedObject[] {
        const byUser = new Map<string, ChangedObject>();
        for (let i = this.firstIndexAfter(fromSeq); i < this.entries.length; i++) {
            const entry = this.entries[i] as ChangeEntry;
            if (entry.seq > toSeq) break;
            let relevant = entry.properties;
            if (entry.kind === 'updated') {
                if (tracked) relevant = relevant.filter((p) => tracked.has(p));
                if (relevant.length === 0) continue;
            }
            const existing = byUser.get(entry.userId);
            const structural = entry.kind !== 'updated';
            if (!existing) {
                byUser.set(entry.userId, {
                    userId: entry.userId,
                    lastSeq: entry.seq,
                    changedProperties: structural ? undefined : new Set(relevant),
                });
                continue;
            }
            existing.lastSeq = entry.seq;
            if (structural) existing.changedProperties = undefined;
            else if (existing.changedProperties) for (const p of relevant) existing.changedProperties.add(p);
        }
        return [...byUser.values()].sort((a, b) => a.lastSeq - b.lastSeq);
    }

    /** The sequence number of the last change made at or before `time` (0 when none): what has replicated by then. */
    lastSeqAtOrBefore(time: number): number {
        // Times never decrease (the simulator clock only moves forward): binary search for the last entry <= time.
        let low = 0;
        let high = this.entries.length;
        while (low < high) {
            const mid = (low + high) >>> 1;
            if ((this.entries[mid] as ChangeEntry).time <= time) low = mid + 1;
            else high = mid;
        }
        return low === 0 ? 0 : (this.entries[low - 1] as ChangeEntry).seq;
    }

    /** Binary search: index of the first entry with seq > `seq`. */
    private firstIndexAfter(seq: number): number {
        let low = 0;
        let high = this.entries.length;
        while (low < high) {
            const mid = (low + high) >>> 1;
            if ((this.entries[mid] as ChangeEntry).seq <= seq) low = mid + 1;
            else high = mid;
        }
        return low;
    }
}
