import type { SimClock } from '../core/clock';
import type { TenantRecord } from '../core/contracts';
import type { IdFactory } from '../core/ids';
import { ChangeLog } from './changeLog';
import { type GenerationContext, generateUser, indexFromUserPrincipalName } from './generator';
import { keysFrom } from './mix';
import { ObjectIdCodec } from './objectIds';
import { type DirectoryUser, type GraphUserProperty, MUTABLE_USER_PROPERTIES, type UserState } from './userModel';

/** A user as the directory holds it, with where it is in its lifecycle. */
export interface UserEntry {
    user: DirectoryUser;
    state: UserState;
    /** Simulator-clock ISO time of the (soft or hard) deletion; null while active. */
    deletedDateTime: string | null;
}

/** Input for a new user; `id` is assigned by the directory, `createdDateTime` defaults to now. */
export type NewUser = Omit<DirectoryUser, 'id' | 'createdDateTime'> & { createdDateTime?: string };
export type UserPatch = Partial<Omit<DirectoryUser, 'id' | 'createdDateTime'>>;

/** What a tenant's directory holds beyond what its seed generates: the simulator's saved state. */
export interface TenantSnapshot {
    record: TenantRecord;
    generatedCount: number;
    /** Created and changed users (the overlay). */
    entries: UserEntry[];
    /** Ids of created users, in creation order. */
    created: string[];
    changes: ReturnType<ChangeLog['snapshot']>;
    live: number;
}

export class DirectoryConflictError extends Error {
    override readonly name = 'DirectoryConflictError';
}

export class UserNotFoundError extends Error {
    override readonly name = 'UserNotFoundError';
}

export interface PageOfUsers {
    entries: UserEntry[];
    /** Position to continue from; undefined when the walk reached the end. */
    next: number | undefined;
}

/**
 * One tenant's users. The generated population (`generatedCount` users) is never stored: user i is
 * recomputed from (seed, i) when needed. Only users touched through the control API live in the
 * overlay, so a 100,000-user tenant costs a few hundred bytes until it is changed.
 *
 * Every user has a stable position: generated users 0..n-1, then created users in creation order.
 * Listing and delta pages walk positions, so paging stays consistent while the directory changes.
 */
export class TenantDirectory {
    readonly codec: ObjectIdCodec;
    readonly changes = new ChangeLog();
    private readonly generation: GenerationContext;
    private readonly overlay = new Map<string, UserEntry>();
    /** Ids of users created through the control API, by position - generatedCount. */
    private readonly created: string[] = [];
    /** Lower-cased UPN → id for sign-in names that cannot be derived from an index. */
    private readonly upnIndex = new Map<string, string>();
    private live: number;

    constructor(
        readonly record: TenantRecord,
        readonly generatedCount: number,
        seed: string,
        private readonly clock: SimClock,
        private readonly ids: IdFactory,
    ) {
        this.codec = new ObjectIdCodec(seed);
        const userDomain = record.domains.find((d) => d !== record.defaultDomain) ?? record.defaultDomain;
        this.generation = {
            seed,
            keys: keysFrom(seed),
            defaultDomain: record.defaultDomain,
            userDomain,
            codec: this.codec,
        };
        this.live = generatedCount;
        for (const index of [0, 1])
            if (index < generatedCount) {
                const user = generateUser(this.generation, index);
                this.upnIndex.set(user.userPrincipalName.toLowerCase(), user.id);
            }
    }

    /** Users currently in the directory (not deleted). */
    get userCount(): number {
        return this.live;
    }

    /** Number of positions (generated + created, including deleted ones). */
    get positionCount(): number {
        return this.generatedCount + this.created.length;
    }

    /** Users kept in memory because they were created or changed (the rest are generated on demand). */
    get overlaySize(): number {
        return this.overlay.size;
    }

    snapshot(): TenantSnapshot {
        return {
            record: { ...this.record, domains: [...this.record.domains] },
            generatedCount: this.generatedCount,
            entries: [...this.overlay.values()].map((e) => structuredClone(e)),
            created: [...this.created],
            changes: this.changes.snapshot(),
            live: this.live,
        };
    }

    /** Puts back a saved state on top of the generated population (same seed, same generated count). */
    restore(saved: TenantSnapshot): void {
        if (saved.generatedCount !== this.generatedCount)
            throw new RangeError(
                `tenant ${this.record.id} was saved with ${saved.generatedCount} generated users, not ${this.generatedCount}`,
            );
        this.record.displayName = saved.record.displayName;
        this.record.status = saved.record.status;
        this.overlay.clear();
        for (const entry of saved.entries) this.overlay.set(entry.user.id, entry);
        this.created.splice(0, this.created.length, ...saved.created);
        this.changes.restore(saved.changes);
        this.live = saved.live;
        // Sign-in names that cannot be derived from an index: what the overlay holds, hard-deleted ones freed.
        for (const entry of saved.entries)
            if (entry.state !== 'hardDeleted')
                this.upnIndex.set(entry.user.userPrincipalName.toLowerCase(), entry.user.id);
    }

    /** The published sign-in: index 0 is the admin, index 1 an ordinary user. */
    seededCredentials(index: 0 | 1): { username: string; password: string } | undefined {
        if (index >= this.generatedCount) return undefined;
        const entry = this.entryAt(index);
        return { username: entry.user.userPrincipalName, password: entry.user.password };
    }

    entryAt(position: number): UserEntry {
        if (position < this.generatedCount) {
            const id = this.codec.idFor(position);
            return (
                this.overlay.get(id) ?? {
                    user: generateUser(this.generation, position),
                    state: 'active',
                    deletedDateTime: null,
                }
            );
        }
        const id = this.created[position - this.generatedCount];
        const entry = id === undefined ? undefined : this.overlay.get(id);
        if (!entry) throw new RangeError(`no user at position ${position}`);
        return entry;
    }

    /** By object id or user principal name (case-insensitive), in any state. */
    find(idOrUpn: string): UserEntry | undefined {
        const key = idOrUpn.toLowerCase();
        if (key.includes('@')) {
            const id = this.upnIndex.get(key);
            if (id !== undefined) return this.find(id);
            const index = indexFromUserPrincipalName(key);
            if (index === undefined || index >= this.generatedCount) return undefined;
            const entry = this.entryAt(index);
            return entry.user.userPrincipalName.toLowerCase() === key ? entry : undefined;
        }
        const stored = this.overlay.get(key);
        if (stored) return stored;
        const index = this.codec.indexOf(key);
        if (index === undefined || index >= this.generatedCount) return undefined;
        return this.entryAt(index);
    }

    /**
     * Walks positions from `from`, collecting up to `limit` entries that pass `accept`. Stops early
     * after `scanLimit` positions so a sparse filter over a huge tenant answers with a partial page
     * and a continuation, as Graph does.
     */
    walk(from: number, limit: number, accept: (entry: UserEntry) => boolean, scanLimit = Infinity): PageOfUsers {
        const entries: UserEntry[] = [];
        const end = this.positionCount;
        let position = from;
        let scanned = 0;
        while (position < end && entries.length < limit && scanned < scanLimit) {
            const entry = this.entryAt(position);
            position++;
            scanned++;
            if (accept(entry)) entries.push(entry);
        }
        return { entries, next: position < end ? position : undefined };
    }

    createUser(input: NewUser): DirectoryUser {
        this.assertUpnFree(input.userPrincipalName);
        const id = this.ids.guid(`user/${this.record.id}`);
        const user: DirectoryUser = {
            ...input,
            id,
            createdDateTime: input.createdDateTime ?? isoSeconds(this.clock.now()),
        };
        this.overlay.set(id, { user, state: 'active', deletedDateTime: null });
        this.created.push(id);
        this.upnIndex.set(user.userPrincipalName.toLowerCase(), id);
        this.live++;
        this.changes.append(id, 'created', this.clock.now());
        return user;
    }

    /** Applies a partial update to an active user; returns the user and the properties that changed. */
    updateUser(id: string, patch: UserPatch): { user: DirectoryUser; changed: GraphUserProperty[] } {
        const entry = this.activeEntry(id);
        if (
            patch.userPrincipalName !== undefined &&
            patch.userPrincipalName.toLowerCase() !== entry.user.userPrincipalName.toLowerCase()
        )
            this.assertUpnFree(patch.userPrincipalName);
        const before = entry.user;
        const after: DirectoryUser = { ...before };
        const changed: GraphUserProperty[] = [];
        for (const property of MUTABLE_USER_PROPERTIES) {
            if (!(property in patch)) continue;
            const value = patch[property];
            if (value === undefined) continue;
            if (JSON.stringify(value) === JSON.stringify(before[property])) continue;
            (after as unknown as Record<string, unknown>)[property] = value;
            changed.push(property);
        }
        if (patch.password !== undefined) after.password = patch.password;
        if (patch.isAdmin !== undefined) after.isAdmin = patch.isAdmin;
        if (patch.directoryRoles !== undefined) after.directoryRoles = patch.directoryRoles;
        if (after.userPrincipalName !== before.userPrincipalName) {
            this.upnIndex.delete(before.userPrincipalName.toLowerCase());
            this.upnIndex.set(after.userPrincipalName.toLowerCase(), after.id);
        }
        this.store({ ...entry, user: after });
        if (changed.length > 0) this.changes.append(after.id, 'updated', this.clock.now(), changed);
        return { user: after, changed };
    }

    /**
     * Soft delete moves an active user to deleted items (Graph delta: `@removed: changed`); hard
     * delete removes it for good (`@removed: deleted`), from active or from deleted items.
     */
    deleteUser(id: string, permanent: boolean): UserEntry {
        const entry = this.find(id);
        if (!entry || entry.state === 'hardDeleted' || (entry.state === 'softDeleted' && !permanent))
            throw new UserNotFoundError(`user ${id} does not exist in tenant ${this.record.id}`);
        const now = this.clock.now();
        if (entry.state === 'active') this.live--;
        const next: UserEntry = {
            user: entry.user,
            state: permanent ? 'hardDeleted' : 'softDeleted',
            deletedDateTime: isoSeconds(now),
        };
        this.store(next);
        // A hard-deleted sign-in name is free again; a soft-deleted one stays reserved (it can be restored).
        if (permanent) this.upnIndex.delete(entry.user.userPrincipalName.toLowerCase());
        this.changes.append(entry.user.id, permanent ? 'hardDeleted' : 'softDeleted', now);
        return next;
    }

    /** Brings a soft-deleted user back (Graph: restore from deleted items). */
    restoreUser(id: string): DirectoryUser {
        const entry = this.find(id);
        if (!entry || entry.state !== 'softDeleted')
            throw new UserNotFoundError(`user ${id} is not in the deleted items of tenant ${this.record.id}`);
        this.store({ user: entry.user, state: 'active', deletedDateTime: null });
        this.live++;
        this.changes.append(entry.user.id, 'restored', this.clock.now());
        return entry.user;
    }

    private assertUpnFree(userPrincipalName: string): void {
        const existing = this.find(userPrincipalName);
        if (existing && existing.state !== 'hardDeleted')
            throw new DirectoryConflictError(
                `Another object with the same value for property userPrincipalName already exists: ${userPrincipalName}`,
            );
    }

    private activeEntry(id: string): UserEntry {
        const entry = this.find(id);
        if (!entry || entry.state !== 'active')
            throw new UserNotFoundError(`user ${id} does not exist in tenant ${this.record.id}`);
        return entry;
    }

    private store(entry: UserEntry): void {
        // Generated users renamed away from their derivable UPN need no bookkeeping: `find` by the old
        // name regenerates the index, sees the stored (renamed) user and rejects the mismatch.
        this.overlay.set(entry.user.id, entry);
    }
}

/** Graph's date-time format: UTC, whole seconds, `Z` suffix. */
export function isoSeconds(ms: number): string {
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
