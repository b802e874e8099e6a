import { z } from 'zod';

import { ADMIN_CONSENT_ROLES, DIRECTORY_ROLES } from '../core/contracts';
import type { Route } from '../core/http';
import {
    type Directory,
    directoryRolesOf,
    graphPropertiesOf,
    type NewUser,
    passwordFor,
    type TenantDirectory,
    type UserEntry,
    type UserPatch,
} from '../directory';
import { badInput, bodyOf, guarded, integerParam, notFound, reply } from './respond';
import { tenantOf } from './tenantRoutes';

/** Entra's limits for the properties (lengths from the Graph user resource documentation). */
const text = (max: number) => z.string().trim().min(1).max(max);
const email = z
    .string()
    .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'must be an email address')
    .max(254);
const userPrincipalName = z
    .string()
    .max(113 + 1 + 256)
    .regex(
        /^[A-Za-z0-9'._\-!#^~$&*+/=?`{|}%]+@[A-Za-z0-9.-]+$/,
        "must be local@domain (letters, digits and . _ - ' allowed)",
    )
    .refine((v) => !v.startsWith('.') && !v.includes('.@'), 'must not start or end the local part with a dot');

const properties = {
    displayName: text(256),
    givenName: text(64).nullable(),
    surname: text(64).nullable(),
    userPrincipalName,
    mail: email.nullable(),
    jobTitle: text(128).nullable(),
    department: text(64).nullable(),
    officeLocation: text(128).nullable(),
    mobilePhone: text(64).nullable(),
    businessPhones: z.array(text(64)).max(1, 'Graph holds at most one business phone'),
    preferredLanguage: z
        .string()
        .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as en-US')
        .nullable(),
    accountEnabled: z.boolean(),
    userType: z.enum(['Member', 'Guest']),
    employeeId: text(16).nullable(),
    otherMails: z.array(email).max(10),
    password: z.string().min(8, 'must have at least 8 characters').max(256),
    isAdmin: z.boolean(),
    /** Built-in directory role template ids (e.g. Privileged Role Administrator); sets isAdmin from them. */
    directoryRoles: z.array(z.guid().toLowerCase()).max(20),
};

const createUserInput = z
    .object({
        ...properties,
        userPrincipalName: properties.userPrincipalName.optional(),
        givenName: properties.givenName.optional(),
        surname: properties.surname.optional(),
        mail: properties.mail.optional(),
        jobTitle: properties.jobTitle.optional(),
        department: properties.department.optional(),
        officeLocation: properties.officeLocation.optional(),
        mobilePhone: properties.mobilePhone.optional(),
        businessPhones: properties.businessPhones.optional(),
        preferredLanguage: properties.preferredLanguage.optional(),
        accountEnabled: properties.accountEnabled.optional(),
        userType: properties.userType.optional(),
        employeeId: properties.employeeId.optional(),
        otherMails: properties.otherMails.optional(),
        password: properties.password.optional(),
        isAdmin: properties.isAdmin.optional(),
        directoryRoles: properties.directoryRoles.optional(),
    })
    .strict()
    .refine(oneRoleSource, { message: 'give isAdmin or directoryRoles, not both' });

const patchUserInput = z
    .object(properties)
    .partial()
    .strict()
    .refine((v) => Object.keys(v).length > 0, { message: 'give at least one property to change' })
    .refine(oneRoleSource, { message: 'give isAdmin or directoryRoles, not both' });

function oneRoleSource(v: { isAdmin?: boolean | undefined; directoryRoles?: string[] | undefined }): boolean {
    return v.isAdmin === undefined || v.directoryRoles === undefined;
}

/** isAdmin and directoryRoles kept in step: roles decide isAdmin; isAdmin alone means Global Administrator or none. */
function roleFields(v: { isAdmin?: boolean | undefined; directoryRoles?: string[] | undefined }): {
    isAdmin?: boolean;
    directoryRoles?: string[];
} {
    if (v.directoryRoles !== undefined)
        return {
            directoryRoles: [...new Set(v.directoryRoles)],
            isAdmin: v.directoryRoles.some((role) => ADMIN_CONSENT_ROLES.includes(role)),
        };
    if (v.isAdmin !== undefined)
        return { isAdmin: v.isAdmin, directoryRoles: v.isAdmin ? [DIRECTORY_ROLES.globalAdministrator] : [] };
    return {};
}

/** A user as the control API shows it: every Graph property, the lifecycle state and the sign-in facts. */
export function controlView(entry: UserEntry) {
    return {
        ...graphPropertiesOf(entry.user),
        state: entry.state,
        deletedDateTime: entry.deletedDateTime,
        isAdmin: entry.user.isAdmin,
        directoryRoles: directoryRolesOf(entry.user, DIRECTORY_ROLES.globalAdministrator),
        password: entry.user.password,
    };
}

export function userRoutes(directory: Directory): Route[] {
    return [
        {
            method: 'GET',
            path: '/control/tenants/:tid/users',
            handler: guarded((request) => {
                const tenant = tenantOf(directory, request);
                const skip = integerParam(request, 'skip', 0);
                const top = integerParam(request, 'top', Number.MAX_SAFE_INTEGER);
                const state = request.url.searchParams.get('state') ?? 'all';
                if (!['all', 'active', 'softDeleted', 'hardDeleted'].includes(state))
                    throw badInput(`state must be one of all, active, softDeleted, hardDeleted; got "${state}"`);
                // Positions, not matches, are skipped: pages stay stable and cheap on a 100k tenant.
                const page = tenant.walk(skip, top, (e) => state === 'all' || e.state === state);
                return reply(200, {
                    tenantId: tenant.record.id,
                    userCount: tenant.userCount,
                    positions: tenant.positionCount,
                    skip,
                    next: page.next ?? null,
                    users: page.entries.map(controlView),
                });
            }),
        },
        {
            method: 'GET',
            path: '/control/tenants/:tid/users/:id',
            handler: guarded((request) => reply(200, controlView(userOf(directory, request)))),
        },
        {
            method: 'POST',
            path: '/control/tenants/:tid/users',
            handler: guarded((request) => {
                const tenant = tenantOf(directory, request);
                const input = bodyOf(request, createUserInput);
                const user = tenant.createUser(newUser(tenant, input));
                return reply(201, controlView({ user, state: 'active', deletedDateTime: null }));
            }),
        },
        {
            method: 'PATCH',
            path: '/control/tenants/:tid/users/:id',
            handler: guarded((request) => {
                const tenant = tenantOf(directory, request);
                const input = bodyOf(request, patchUserInput);
                const patch = { ...input, ...roleFields(input) } as UserPatch;
                if (patch.userPrincipalName !== undefined) checkDomain(tenant, patch.userPrincipalName);
                const { user, changed } = tenant.updateUser(request.params.id ?? '', patch);
                return reply(200, { ...controlView({ user, state: 'active', deletedDateTime: null }), changed });
            }),
        },
        {
            method: 'DELETE',
            path: '/control/tenants/:tid/users/:id',
            handler: guarded((request) => {
                const tenant = tenantOf(directory, request);
                const permanent = request.url.searchParams.get('permanent');
                if (permanent !== null && permanent !== 'true' && permanent !== 'false')
                    throw badInput(`permanent must be true or false, got "${permanent}"`);
                return reply(200, controlView(tenant.deleteUser(request.params.id ?? '', permanent === 'true')));
            }),
        },
        {
            method: 'POST',
            path: '/control/tenants/:tid/users/:id/restore',
            handler: guarded((request) => {
                const tenant = tenantOf(directory, request);
                const user = tenant.restoreUser(request.params.id ?? '');
                return reply(200, controlView({ user, state: 'active', deletedDateTime: null }));
            }),
        },
    ];
}

function userOf(directory: Directory, request: Parameters<typeof tenantOf>[1]): UserEntry {
    const tenant = tenantOf(directory, request);
    const id = request.params.id ?? '';
    const entry = tenant.find(id);
    if (!entry) throw notFound(`User '${id}' does not exist in tenant ${tenant.record.id}`);
    return entry;
}

/** Members sign in with one of the tenant's verified domains; guests with `#EXT#@<default domain>`. */
function checkDomain(tenant: TenantDirectory, upn: string): void {
    const domain = upn.slice(upn.lastIndexOf('@') + 1).toLowerCase();
    if (!tenant.record.domains.includes(domain))
        throw badInput(
            `userPrincipalName must use a verified domain of the tenant (${tenant.record.domains.join(', ')}), got "${upn}"`,
        );
}

function newUser(tenant: TenantDirectory, input: z.infer<typeof createUserInput>): NewUser {
    const userDomain =
        tenant.record.domains.find((d) => d !== tenant.record.defaultDomain) ?? tenant.record.defaultDomain;
    const upn = input.userPrincipalName ?? freeUserPrincipalName(tenant, input.displayName, userDomain);
    checkDomain(tenant, upn);
    return {
        displayName: input.displayName,
        givenName: input.givenName ?? null,
        surname: input.surname ?? null,
        userPrincipalName: upn,
        mail: input.mail ?? null,
        jobTitle: input.jobTitle ?? null,
        department: input.department ?? null,
        officeLocation: input.officeLocation ?? null,
        mobilePhone: input.mobilePhone ?? null,
        businessPhones: input.businessPhones ?? [],
        preferredLanguage: input.preferredLanguage ?? null,
        accountEnabled: input.accountEnabled ?? true,
        userType: input.userType ?? 'Member',
        employeeId: input.employeeId ?? null,
        otherMails: input.otherMails ?? [],
        password: input.password ?? passwordFor(`${tenant.record.id}/created`, tenant.positionCount),
        isAdmin: false,
        ...roleFields(input),
    };
}

/** `Zoë O'Neil` → `zoe.oneil@domain` (then `zoe.oneil2@…` if taken). */
function freeUserPrincipalName(tenant: TenantDirectory, displayName: string, domain: string): string {
    const base =
        displayName
            .normalize('NFKD')
            .replace(/[\u0300-\u036f]/g, '')
            .toLowerCase()
            .replace(/ł/g, 'l')
            .replace(/ø/g, 'o')
            .replace(/ß/g, 'ss')
            .replace(/æ/g, 'ae')
            .replace(/[^a-z0-9 ]/g, '')
            .trim()
            .split(/\s+/)
            .filter(Boolean)
            .join('.') || 'user';
    for (let n = 1; ; n++) {
        const candidate = `${base}${n === 1 ? '' : `.${n}`}@${domain}`;
        const existing = tenant.find(candidate);
        if (!existing || existing.state === 'hardDeleted') return candidate;
    }
}
