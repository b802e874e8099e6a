import { MSA_TENANT_ID } from '../core/contracts';
import type { IdFactory } from '../core/ids';
import type { Directory } from './directory';
import { passwordFor } from './generator';
import type { TenantDirectory } from './tenantDirectory';

export interface TenantSpec {
    displayName: string;
    userCount: number;
    /** Verified domain for members' sign-in names. */
    customDomain?: string;
    region?: string;
}

/** The world the simulator starts with. Everything in it is derived from the seed. */
export interface WorldSpec {
    publisher: TenantSpec;
    customers: TenantSpec[];
    /** Add the Microsoft personal-account tenant with one personal user. */
    personalAccounts: boolean;
}

export const DEFAULT_WORLD: WorldSpec = {
    publisher: { displayName: 'Tenant Sync Publisher', userCount: 6, customDomain: 'tenantsync.example', region: 'EU' },
    customers: [
        { displayName: 'Fabrikam', userCount: 25, customDomain: 'fabrikam.com', region: 'EU' },
        { displayName: 'Contoso', userCount: 250, customDomain: 'contoso.com', region: 'NA' },
        { displayName: 'Northwind Traders', userCount: 5000, customDomain: 'northwindtraders.com', region: 'NA' },
    ],
    personalAccounts: true,
};

export interface SeededWorld {
    publisher: TenantDirectory;
    customers: TenantDirectory[];
    personal: TenantDirectory | undefined;
}

export function seedWorld(directory: Directory, ids: IdFactory, spec: WorldSpec): SeededWorld {
    const make = (tenant: TenantSpec) =>
        directory.createTenant({
            ...tenant,
            // Named ids: adding or removing one tenant from the spec does not change the others' ids.
            id: ids.named(`tenant/${tenant.displayName}`),
        });
    const publisher = make(spec.publisher);
    const customers = spec.customers.map(make);
    let personal: TenantDirectory | undefined;
    if (spec.personalAccounts) {
        personal = directory.createTenant({
            id: MSA_TENANT_ID,
            displayName: 'Microsoft personal accounts',
            userCount: 0,
            kind: 'personal',
            defaultDomain: 'live.com',
            customDomain: 'outlook.com',
            region: 'WW',
        });
        personal.createUser({
            displayName: 'Jo Personal',
            givenName: 'Jo',
            surname: 'Personal',
            userPrincipalName: 'jo.personal@outlook.com',
            mail: 'jo.personal@outlook.com',
            jobTitle: null,
            department: null,
            officeLocation: null,
            mobilePhone: null,
            businessPhones: [],
            preferredLanguage: 'en-GB',
            accountEnabled: true,
            userType: 'Member',
            employeeId: null,
            otherMails: [],
            createdDateTime: '2019-06-01T12:00:00Z',
            password: passwordFor(`${ids.named('personal-accounts')}`, 0),
            isAdmin: false,
        });
    }
    return { publisher, customers, personal };
}
