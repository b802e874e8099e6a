import { z } from 'zod';

import type { Route, SimRequest } from '../core/http';
import { type Directory, MAX_GENERATED_USERS, type TenantDirectory } from '../directory';
import { bodyOf, guarded, notFound, reply } from './respond';

const createTenantInput = z
    .object({
        displayName: z.string().trim().min(1).max(256),
        userCount: z.number().int().min(0).max(MAX_GENERATED_USERS),
        size: z.enum(['small', 'medium', 'large']).optional(),
        /** Verified domain for members' sign-in names (else the `.onmicrosoft.com` domain). */
        customDomain: z
            .string()
            .regex(/^(?=.{3,253}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/i, 'must be a DNS domain name')
            .optional(),
        region: z.string().min(2).max(8).optional(),
    })
    .strict();

const patchTenantInput = z
    .object({
        /** `deleted` → the identity platform answers AADSTS90002; `decommissioned` → AADSTS5000224. */
        status: z.enum(['active', 'deleted', 'decommissioned']).optional(),
        displayName: z.string().trim().min(1).max(256).optional(),
    })
    .strict()
    .refine((v) => Object.keys(v).length > 0, { message: 'give at least one of status, displayName' });

/** Summary of a tenant for the control API (state, created tenants). */
export function describeTenant(tenant: TenantDirectory) {
    return {
        ...tenant.record,
        userCount: tenant.userCount,
        generatedUsers: tenant.generatedCount,
        storedUsers: tenant.overlaySize,
        changeSeq: tenant.changes.lastSeq,
        admin: tenant.seededCredentials(0) ?? null,
        user: tenant.seededCredentials(1) ?? null,
    };
}

export function tenantOf(directory: Directory, request: SimRequest): TenantDirectory {
    const id = request.params.tid ?? '';
    const tenant = directory.tenant(id);
    if (!tenant) throw notFound(`Tenant '${id}' does not exist in the simulator`);
    return tenant;
}

export function tenantRoutes(directory: Directory): Route[] {
    return [
        {
            method: 'POST',
            path: '/control/tenants',
            handler: guarded((request) => {
                const input = bodyOf(request, createTenantInput);
                const tenant = directory.createTenant({
                    displayName: input.displayName,
                    userCount: input.userCount,
                    ...(input.size ? { size: input.size } : {}),
                    ...(input.customDomain ? { customDomain: input.customDomain } : {}),
                    ...(input.region ? { region: input.region } : {}),
                });
                return reply(201, {
                    id: tenant.record.id,
                    displayName: tenant.record.displayName,
                    defaultDomain: tenant.record.defaultDomain,
                    domains: tenant.record.domains,
                    size: tenant.record.size,
                    userCount: tenant.userCount,
                    admin: tenant.seededCredentials(0) ?? null,
                    user: tenant.seededCredentials(1) ?? null,
                });
            }),
        },
        {
            method: 'GET',
            path: '/control/tenants',
            handler: () => reply(200, { tenants: directory.tenants().map(describeTenant) }),
        },
        {
            method: 'GET',
            path: '/control/tenants/:tid',
            handler: guarded((request) => reply(200, describeTenant(tenantOf(directory, request)))),
        },
        {
            method: 'PATCH',
            path: '/control/tenants/:tid',
            handler: guarded((request) => {
                const tenant = tenantOf(directory, request);
                const input = bodyOf(request, patchTenantInput);
                if (input.status) tenant.record.status = input.status;
                if (input.displayName) tenant.record.displayName = input.displayName;
                return reply(200, describeTenant(tenant));
            }),
        },
    ];
}
