import type { SimRequest } from '../core/http';
import type { GraphCaller } from './auth';
import type { GraphContext, GraphResult } from './context';
import { option, rejectUnsupportedOptions } from './odata';
import { badRequest, GraphError } from './responses';

/** GET /v1.0/organization and /v1.0/organization/{id}: the caller's tenant only. */
export function organization(
    context: GraphContext,
    request: SimRequest,
    caller: GraphCaller,
    id: string | undefined,
): GraphResult {
    rejectUnsupportedOptions(request.url, ['$select']);
    const { record } = caller.tenant;
    if (id !== undefined && id.toLowerCase() !== record.id)
        throw new GraphError(
            404,
            'Request_ResourceNotFound',
            `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
        );
    const full: Record<string, unknown> = {
        id: record.id,
        deletedDateTime: null,
        businessPhones: [],
        city: null,
        country: null,
        countryLetterCode: record.region === 'EU' ? 'DE' : 'US',
        createdDateTime: '2016-01-01T00:00:00Z',
        displayName: record.displayName,
        postalCode: null,
        preferredLanguage: 'en',
        state: null,
        street: null,
        technicalNotificationMails: [],
        tenantType: 'AAD',
        verifiedDomains: record.domains.map((name) => ({
            capabilities: name === record.defaultDomain ? 'Email, OfficeCommunicationsOnline' : 'Email',
            isDefault: name === (record.domains[1] ?? record.defaultDomain),
            isInitial: name === record.defaultDomain,
            name,
            type: name.endsWith('.onmicrosoft.com') ? 'Managed' : 'Federated',
        })),
    };
    const selectRaw = option(request.url, '$select');
    let properties = Object.keys(full);
    if (selectRaw !== null && selectRaw.trim() !== '') {
        properties = selectRaw.split(',').map((name) => {
            const match = Object.keys(full).find((k) => k.toLowerCase() === name.trim().toLowerCase());
            if (!match)
                throw badRequest(
                    `Could not find a property named '${name.trim()}' on type 'microsoft.graph.organization'.`,
                );
            return match;
        });
        if (!properties.includes('id')) properties.push('id');
    }
    const object = Object.fromEntries(properties.map((p) => [p, full[p]]));
    const selectSuffix = selectRaw !== null && selectRaw.trim() !== '' ? `(${properties.join(',')})` : '';
    if (id !== undefined)
        return {
            body: {
                '@odata.context': `${context.origin}/v1.0/$metadata#organization${selectSuffix}/$entity`,
                ...object,
            },
        };
    return {
        body: { '@odata.context': `${context.origin}/v1.0/$metadata#organization${selectSuffix}`, value: [object] },
    };
}
