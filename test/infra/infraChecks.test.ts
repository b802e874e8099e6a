/**
 * Every check used on the real files in infra.test.ts, run against small snippets: a good one
 * passes, and each kind of violation is caught with a message that names the culprit.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { CONFIG_VARIABLE_NAMES } from '../../src/config';
import { type BicepFile, declarationsOf, getProperty, parseBicep } from './bicepAst';
import {
    appSettingsOf,
    azureYamlProblems,
    compareAppSettings,
    evaluateCondition,
    type ExpectedRole,
    firstDeploymentSecretProblems,
    flexConsumptionProblems,
    flexRejectedSettingProblems,
    ignoreMatcher,
    keyVaultProblems,
    moduleWiringProblems,
    monitoringProblems,
    nativeRuntimeDependencies,
    packagingProblems,
    parametersFileProblems,
    parseSimpleYaml,
    preprovisionHookProblems,
    readBackFlagProblems,
    remoteBuildOf,
    roleAssignmentProblems,
    roleAssignmentsOf,
    storageAccountProblems,
    traceToLiteral,
    writtenOnlyWhenGivenProblems,
} from './infraChecks';

const ROOT = resolve(__dirname, '../..');

function bicep(text: string, path = 'snippet.bicep'): BicepFile {
    const file = parseBicep(text, path);
    if (file.problems.length > 0) throw new Error(`test snippet does not parse: ${JSON.stringify(file.problems)}`);
    return file;
}

function site(appSettings: string, extra = ''): BicepFile {
    return bicep(`
resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: 'func'
  properties: {
    siteConfig: {
      minTlsVersion: '1.2'
      ${extra}
    }
  }
}
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: ${appSettings}
}
`);
}

describe('appSettingsOf', () => {
    it('collects the keys of the appsettings object literal and siteConfig.appSettings entries', () => {
        const file = site("{\n    A: 'x'\n    'B__c': other\n  }", "appSettings: [\n { name: 'C', value: 'y' }\n ]");
        const result = appSettingsOf(file);
        expect(result.problems).toEqual([]);
        expect(result.settings.map((s) => s.name).sort()).toEqual(['A', 'B__c', 'C']);
        expect(result.settings.find((s) => s.name === 'A')?.at).toMatch(/^snippet\.bicep:\d+:\d+$/);
    });

    it('refuses app settings it cannot read without deploying', () => {
        expect(appSettingsOf(site('union(base, extra)')).problems).toEqual([
            expect.stringMatching(/app settings of 'appSettings' must be an object literal/),
        ]);
        expect(appSettingsOf(site("{\n    '${prefix}X': 'x'\n  }")).problems).toEqual([
            expect.stringMatching(/computed app setting name/),
        ]);
        expect(appSettingsOf(site('{}', 'appSettings: settingsArray')).problems).toEqual([
            expect.stringMatching(/siteConfig.appSettings must be an array literal/),
        ]);
    });

    it('reports a setting set twice', () => {
        const file = site("{\n    A: 'x'\n  }", "appSettings: [\n { name: 'A', value: 'y' }\n ]");
        expect(appSettingsOf(file).problems).toEqual([expect.stringMatching(/app setting A is also set at/)]);
    });

    it('ignores config resources other than appsettings', () => {
        const file = bicep(`
resource logs 'Microsoft.Web/sites/config@2024-04-01' = {
  name: 'logs'
  properties: { X: 1 }
}`);
        expect(appSettingsOf(file).settings).toEqual([]);
    });
});

describe('compareAppSettings', () => {
    const base = {
        readButNotDeployed: new Map([['ConnectionString', 'identity instead']]),
        deployedButNotRead: new Map([['HOST_ONLY', 'host']]),
    };

    it('passes when the sets match up to the allow-lists', () => {
        expect(
            compareAppSettings({ ...base, deployed: ['A', 'B', 'HOST_ONLY'], read: ['A', 'B', 'ConnectionString'] }),
        ).toEqual([]);
    });

    it('names a variable the configuration reads but the Bicep does not set', () => {
        expect(
            compareAppSettings({ ...base, deployed: ['A', 'HOST_ONLY'], read: ['A', 'B', 'ConnectionString'] }),
        ).toEqual([
            expect.stringMatching(/^B is read by the configuration module but not set in the Bicep app settings/),
        ]);
    });

    it('names a setting the Bicep sets but the configuration does not read', () => {
        expect(
            compareAppSettings({ ...base, deployed: ['A', 'STRAY', 'HOST_ONLY'], read: ['A', 'ConnectionString'] }),
        ).toEqual([
            expect.stringMatching(
                /^STRAY is set in the Bicep app settings but the configuration module does not read it/,
            ),
        ]);
    });

    it('flags stale or contradictory allow-list entries', () => {
        expect(compareAppSettings({ ...base, deployed: ['A'], read: ['A'] })).toEqual([
            'allow-list entry ConnectionString is not read by the configuration module any more',
            'allow-list entry HOST_ONLY is not set by the Bicep any more',
        ]);
        expect(
            compareAppSettings({
                ...base,
                deployed: ['A', 'HOST_ONLY', 'ConnectionString'],
                read: ['A', 'HOST_ONLY', 'ConnectionString'],
            }),
        ).toEqual([
            'ConnectionString is allow-listed as not deployed, but the Bicep sets it',
            'HOST_ONLY is allow-listed as platform-only, but the configuration module reads it',
        ]);
    });

    it('catches a variable a later issue adds to the configuration module without deploying it', () => {
        const functionApp = parseBicep(
            readFileSync(join(ROOT, 'infra/modules/function-app.bicep'), 'utf8'),
            'infra/modules/function-app.bicep',
        );
        const deployed = appSettingsOf(functionApp).settings.map((s) => s.name);
        const problems = compareAppSettings({
            deployed,
            read: [...CONFIG_VARIABLE_NAMES, 'GRAPH_PAGE_SIZE'],
            readButNotDeployed: new Map([['AzureWebJobsStorage', '']]),
            deployedButNotRead: new Map(
                [
                    'AzureWebJobsStorage__credential',
                    'AzureWebJobsStorage__blobServiceUri',
                    'AzureWebJobsDisableHomepage',
                    'APPLICATIONINSIGHTS_CONNECTION_STRING',
                    'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
                ].map((name) => [name, '']),
            ),
        });
        expect(problems).toEqual([expect.stringMatching(/^GRAPH_PAGE_SIZE is read by the configuration module/)]);
    });
});

describe('flexRejectedSettingProblems', () => {
    it('passes identity-based settings', () => {
        expect(
            flexRejectedSettingProblems(site("{\n    AzureWebJobsStorage__credential: 'managedidentity'\n  }")),
        ).toEqual([]);
    });

    it.each([
        'FUNCTIONS_WORKER_RUNTIME',
        'WEBSITE_NODE_DEFAULT_VERSION',
        'WEBSITE_RUN_FROM_PACKAGE',
        'WEBSITE_CONTENTSHARE',
    ])('rejects %s', (name) => {
        expect(flexRejectedSettingProblems(site(`{\n    ${name}: 'x'\n  }`))).toEqual([
            expect.stringContaining(`app setting ${name} is rejected on Flex Consumption`),
        ]);
    });

    it("rejects names with ':' and rejected siteConfig properties", () => {
        expect(flexRejectedSettingProblems(site("{\n    'a:b': 'x'\n  }", "linuxFxVersion: 'Node|22'"))).toEqual([
            expect.stringContaining("contains ':'"),
            expect.stringContaining('siteConfig.linuxFxVersion is rejected'),
        ]);
    });
});

describe('role assignments', () => {
    const STORAGE = 'Microsoft.Storage/storageAccounts';
    const VAULT = 'Microsoft.KeyVault/vaults';
    const expected: ExpectedRole[] = [
        { role: 'Blob Owner', roleId: '11111111-1111-1111-1111-111111111111', scopeType: STORAGE },
        { role: 'Secrets User', roleId: '22222222-2222-2222-2222-222222222222', scopeType: VAULT },
    ];
    const optional: ExpectedRole[] = [
        { role: 'Secrets Officer', roleId: '33333333-3333-3333-3333-333333333333', scopeType: VAULT },
    ];
    const header = `
param principalId string
param deployerPrincipalId string = ''
param grant bool = false
var roleIds = {
  blobOwner: '11111111-1111-1111-1111-111111111111'
  secretsUser: '22222222-2222-2222-2222-222222222222'
  secretsOfficer: '33333333-3333-3333-3333-333333333333'
}
resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: 'st'
}
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: 'kv'
}
`;
    function assignment(options: {
        symbol: string;
        scope: string;
        role: string;
        principal?: string;
        name?: string;
        condition?: string;
        principalType?: string;
    }): string {
        const principal = options.principal ?? 'principalId';
        const roleExpression = `roleIds.${options.role}`;
        return `
resource ${options.symbol} 'Microsoft.Authorization/roleAssignments@2022-04-01' = ${options.condition ?? ''}{
  name: ${options.name ?? `guid(${options.scope}.id, ${principal}, ${roleExpression})`}
  scope: ${options.scope}
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', ${roleExpression})
    principalId: ${principal}
    principalType: ${options.principalType ?? "'ServicePrincipal'"}
  }
}
`;
    }
    const good = [
        assignment({ symbol: 'a', scope: 'storage', role: 'blobOwner' }),
        assignment({ symbol: 'b', scope: 'vault', role: 'secretsUser' }),
        assignment({
            symbol: 'c',
            scope: 'vault',
            role: 'secretsOfficer',
            principal: 'deployerPrincipalId',
            condition: 'if (grant) ',
            principalType: "'User'",
        }),
    ];
    const check = (...parts: string[]) =>
        roleAssignmentProblems(roleAssignmentsOf(bicep(header + parts.join(''))), 'principalId', expected, optional);

    it('resolves role ids, scopes and principals', () => {
        const assignments = roleAssignmentsOf(bicep(header + good.join('')));
        expect(assignments.map((a) => [a.symbol, a.roleId, a.scopeType, a.principal, a.conditional])).toEqual([
            ['a', '11111111-1111-1111-1111-111111111111', STORAGE, 'principalId', false],
            ['b', '22222222-2222-2222-2222-222222222222', VAULT, 'principalId', false],
            ['c', '33333333-3333-3333-3333-333333333333', VAULT, 'deployerPrincipalId', true],
        ]);
        expect(check(...good)).toEqual([]);
    });

    it('catches a role on a wider or wrong scope', () => {
        const problems = check(good[0]!, assignment({ symbol: 'b', scope: 'storage', role: 'secretsUser' }), good[2]!);
        expect(problems).toEqual([
            `missing role assignment: Secrets User on ${VAULT} for principalId`,
            expect.stringMatching(
                /unexpected role assignment for the app: Secrets User on Microsoft.Storage\/storageAccounts/,
            ),
        ]);
        const atResourceGroup =
            header +
            good[0]! +
            good[2]! +
            good[1]!.replace('scope: vault\n', '').replace('vault.id', 'resourceGroup().id');
        expect(
            roleAssignmentProblems(roleAssignmentsOf(bicep(atResourceGroup)), 'principalId', expected, optional),
        ).toEqual(expect.arrayContaining([expect.stringMatching(/Secrets User on resourceGroup/)]));
    });

    it('catches a missing role and an extra one', () => {
        expect(check(good[0]!)).toEqual([`missing role assignment: Secrets User on ${VAULT} for principalId`]);
        expect(check(...good, assignment({ symbol: 'd', scope: 'storage', role: 'secretsOfficer' }))).toEqual([
            expect.stringMatching(/unexpected role assignment for the app: Secrets Officer on Microsoft.Storage/),
        ]);
    });

    it('catches names that are not guid(scope.id, principal, role)', () => {
        const problems = check(
            assignment({ symbol: 'a', scope: 'storage', role: 'blobOwner', name: "'fixed-name'" }),
            good[1]!,
        );
        expect(problems).toEqual([
            expect.stringMatching(/name of a must be guid\(storage.id, principalId, <roleDefinitionId>\)/),
        ]);
        const wrongScope = check(
            assignment({
                symbol: 'a',
                scope: 'storage',
                role: 'blobOwner',
                name: 'guid(vault.id, principalId, roleIds.blobOwner)',
            }),
            good[1]!,
        );
        expect(wrongScope).toEqual([expect.stringMatching(/name of a must be guid/)]);
    });

    it('catches an unconditional grant to the deployer, a missing principalType and an unresolvable role', () => {
        expect(check(good[0]!, good[1]!, good[2]!.replace('if (grant) ', ''))).toEqual([
            expect.stringMatching(/the role assignment for deployerPrincipalId must be behind a flag/),
        ]);
        expect(
            check(assignment({ symbol: 'a', scope: 'storage', role: 'blobOwner', principalType: "'User'" }), good[1]!),
        ).toEqual([expect.stringMatching(/Blob Owner must set principalType: 'ServicePrincipal'/)]);
        expect(check(good[0]!, good[1]!.replaceAll('roleIds.secretsUser', 'someParam'))).toEqual(
            expect.arrayContaining([expect.stringMatching(/cannot resolve roleDefinitionId of b/)]),
        );
    });
});

describe('resource security checks', () => {
    const account = (properties: string, existing = '') =>
        bicep(`resource st 'Microsoft.Storage/storageAccounts@2023-05-01' ${existing}= {
  name: 'st'
  properties: {
${properties}
  }
}`);
    const goodStorage = `    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true`;

    it('storage: passes the secure shape, catches shared keys, public blobs and old TLS', () => {
        expect(storageAccountProblems(account(goodStorage))).toEqual([]);
        expect(
            storageAccountProblems(
                account(goodStorage.replace('allowSharedKeyAccess: false', 'allowSharedKeyAccess: true')),
            ),
        ).toEqual([
            expect.stringMatching(/st.properties.allowSharedKeyAccess is true; expected false \(no account keys\)/),
        ]);
        expect(storageAccountProblems(account(goodStorage.replace('    allowSharedKeyAccess: false\n', '')))).toEqual([
            expect.stringMatching(/allowSharedKeyAccess not set/),
        ]);
        expect(
            storageAccountProblems(
                account(
                    goodStorage
                        .replace("'TLS1_2'", "'TLS1_0'")
                        .replace('allowBlobPublicAccess: false', 'allowBlobPublicAccess: true'),
                ),
            ),
        ).toEqual([expect.stringMatching(/allowBlobPublicAccess/), expect.stringMatching(/minimumTlsVersion/)]);
        // An existing account is not ours to configure.
        expect(storageAccountProblems(account('', 'existing '))).toEqual([]);
    });

    const vault = (properties: string) =>
        bicep(`resource kv 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: 'kv'
  properties: {
${properties}
  }
}`);
    const goodVault = `    enableRbacAuthorization: true
    enableSoftDelete: true
    enablePurgeProtection: true`;

    it('Key Vault: passes RBAC with soft delete and purge protection, catches access policies', () => {
        expect(keyVaultProblems(vault(goodVault))).toEqual([]);
        expect(
            keyVaultProblems(
                vault(goodVault.replace('enableRbacAuthorization: true', 'enableRbacAuthorization: false')),
            ),
        ).toEqual([expect.stringMatching(/enableRbacAuthorization is false; expected true/)]);
        expect(keyVaultProblems(vault(goodVault.replace('    enablePurgeProtection: true', '')))).toEqual([
            expect.stringMatching(/enablePurgeProtection not set/),
        ]);
        expect(keyVaultProblems(vault(`${goodVault}\n    accessPolicies: [ { tenantId: 'x' } ]`))).toEqual([
            expect.stringMatching(/must not define access policies/),
        ]);
    });

    it('monitoring: catches local authentication left on', () => {
        const component = (value: string) =>
            bicep(`resource ai 'Microsoft.Insights/components@2020-02-02' = {
  name: 'ai'
  properties: {
    DisableLocalAuth: ${value}
  }
}`);
        expect(monitoringProblems(component('true'))).toEqual([]);
        expect(monitoringProblems(component('false'))).toEqual([expect.stringMatching(/DisableLocalAuth is false/)]);
    });

    it('function app: catches a non-Flex plan, another Node version, key-based package access and hard-coded scale', () => {
        const text = readFileSync(join(ROOT, 'infra/modules/function-app.bicep'), 'utf8');
        const real = bicep(text, 'function-app.bicep');
        expect(flexConsumptionProblems(real, '22')).toEqual([]);
        expect(flexConsumptionProblems(real, '20')).toEqual([
            expect.stringMatching(/runtime.version is nodeVersion; expected "20"/),
        ]);
        const broken = bicep(
            text
                .replace("name: 'FC1'", "name: 'Y1'")
                .replace("type: 'UserAssignedIdentity'", "type: 'StorageAccountConnectionString'")
                .replace('maximumInstanceCount: maximumInstanceCount', 'maximumInstanceCount: 100'),
            'function-app.bicep',
        );
        expect(flexConsumptionProblems(broken, '22')).toEqual([
            expect.stringMatching(/plan.sku.name is 'Y1'; expected "FC1"/),
            expect.stringMatching(
                /authentication.type is 'StorageAccountConnectionString'; expected "UserAssignedIdentity"/,
            ),
            expect.stringMatching(/scaleAndConcurrency.maximumInstanceCount must come from a parameter/),
        ]);
    });
});

describe('parametersFileProblems', () => {
    const main = bicep(`param environmentName string
param schedule string = '0 0 * * * *'
param memory int = 2048
param optional string = ''`);
    const json = (parameters: Record<string, string>) =>
        JSON.stringify({
            parameters: Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, { value: v }])),
        });

    it('passes declared parameters whose placeholder defaults match', () => {
        expect(
            parametersFileProblems(
                main,
                json({
                    environmentName: '${AZURE_ENV_NAME}',
                    schedule: '${SCHEDULE=0 0 * * * *}',
                    memory: '${MEMORY=2048}',
                    optional: '${OPTIONAL}',
                }),
                'p.json',
            ),
        ).toEqual([]);
    });

    it('catches an undeclared parameter, a missing required one and a drifting default', () => {
        expect(parametersFileProblems(main, json({ environmentName: 'x', typo: 'y' }), 'p.json')).toEqual([
            'p.json: parameter typo is not declared in snippet.bicep',
        ]);
        expect(parametersFileProblems(main, json({ schedule: 'x' }), 'p.json')).toEqual([
            'p.json: required parameter environmentName of snippet.bicep is not given (azd would prompt for it)',
        ]);
        expect(
            parametersFileProblems(main, json({ environmentName: 'x', memory: '${MEMORY=4096}' }), 'p.json'),
        ).toEqual(['p.json: memory defaults to "4096" in the placeholder but to 2048 in snippet.bicep']);
        expect(parametersFileProblems(main, '{ nope', 'p.json')).toEqual([expect.stringMatching(/^p.json: not JSON/)]);
    });
});

describe('moduleWiringProblems and traceToLiteral', () => {
    const child = bicep(
        `param name string
param size int = 1
output id string = name`,
        'child.bicep',
    );
    const resolveChild = (path: string) => (path === 'child.bicep' ? child : undefined);

    it('passes a correct call', () => {
        const parent = bicep(`module c 'child.bicep' = {
  name: 'c'
  params: {
    name: 'x'
  }
}
output o string = c.outputs.id`);
        expect(moduleWiringProblems(parent, resolveChild)).toEqual([]);
    });

    it('catches a missing module, an unknown or missing parameter and an unknown output', () => {
        const parent = bicep(`module c 'child.bicep' = {
  name: 'c'
  params: {
    nmae: 'x'
  }
}
module gone 'gone.bicep' = {
  name: 'gone'
}
output o string = c.outputs.identifier`);
        expect(moduleWiringProblems(parent, resolveChild)).toEqual([
            expect.stringMatching(/child.bicep has no parameter nmae/),
            expect.stringMatching(/module c does not pass required parameter name/),
            expect.stringMatching(/child.bicep has no output identifier/),
            expect.stringMatching(/module gone: gone.bicep does not exist/),
        ]);
    });

    it('follows a module parameter to the literal its caller passes', () => {
        const settings = bicep(`param schedule string
param fixedDefault string = 'd'
var local = 'v'
resource s 'Microsoft.Web/sites/config@2024-04-01' = {
  name: 'appsettings'
  properties: {
    A: schedule
    B: 'literal'
    C: local
    D: fixedDefault
  }
}`);
        const caller = bicep(`param schedule string = '0 0 * * * *'
module app 'settings.bicep' = {
  name: 'app'
  params: {
    schedule: schedule
  }
}`);
        const properties = getProperty(declarationsOf(settings).resources.get('s')!.body, 'properties');
        const trace = (key: string) => traceToLiteral(settings, getProperty(properties, key)!, caller, 'app');
        expect([trace('A'), trace('B'), trace('C'), trace('D')]).toEqual(['0 0 * * * *', 'literal', 'v', 'd']);
    });
});

describe('azure.yaml', () => {
    const good = `# comment
name: tenant-sync
infra:
  provider: bicep
  path: infra
services:
  api:
    project: .
    language: ts
    host: function   # trailing comment
    remoteBuild: false
`;
    const everything = { exists: () => true };

    it('parses the YAML subset and refuses anything else', () => {
        expect(parseSimpleYaml(good)).toEqual({
            name: 'tenant-sync',
            infra: { provider: 'bicep', path: 'infra' },
            services: { api: { project: '.', language: 'ts', host: 'function', remoteBuild: 'false' } },
        });
        expect(() => parseSimpleYaml('services:\n  - api\n')).toThrow(/azure.yaml:2: unsupported YAML/);
        expect(() => parseSimpleYaml('a:\n\tb: c\n')).toThrow(/tabs/);
        expect(() => parseSimpleYaml('a: 1\na: 2\n')).toThrow(/duplicate key a/);
        expect(() => parseSimpleYaml('a: [1, 2]\n')).toThrow(/unsupported YAML value/);
    });

    it('passes the expected layout and catches wrong folders, hosts and files', () => {
        expect(azureYamlProblems(good, everything)).toEqual([]);
        expect(remoteBuildOf(good)).toBe(false);
        expect(azureYamlProblems(good.replace('host: function', 'host: appservice'), everything)).toEqual([
            'azure.yaml: services.api.host is appservice, expected function',
        ]);
        expect(azureYamlProblems(good.replace('path: infra', 'path: deploy'), everything)).toEqual([
            'azure.yaml: infra.path is deploy, expected infra',
        ]);
        expect(azureYamlProblems(good.replace('    remoteBuild: false\n', ''), everything)).toEqual([
            'azure.yaml: services.api.remoteBuild must be set explicitly to true or false',
        ]);
        expect(azureYamlProblems(good, { exists: (path) => !path.endsWith('host.json') })).toEqual([
            'azure.yaml: service project . has no host.json',
        ]);
        expect(azureYamlProblems('services:\n  - api\n', everything)).toEqual([
            expect.stringMatching(/unsupported YAML/),
        ]);
    });
});

describe('the preprovision hook in azure.yaml', () => {
    const script = 'infra/hooks/preprovision.mjs';
    const good = `name: tenant-sync
hooks:
  preprovision:
    posix:
      shell: sh
      run: node infra/hooks/preprovision.mjs
    windows:
      shell: pwsh
      run: node infra/hooks/preprovision.mjs; exit $LASTEXITCODE
services:
  api:
    project: .
`;
    const everything = { exists: () => true };

    it('passes node on both platforms, with the exit code passed on in pwsh', () => {
        expect(preprovisionHookProblems(good, script, everything)).toEqual([]);
    });

    it('catches a missing hook or platform, a swallowed exit code, the wrong shell or script, and continueOnError', () => {
        expect(preprovisionHookProblems('name: x\n', script, everything)).toEqual([
            'azure.yaml: hooks.preprovision is not declared',
        ]);
        expect(preprovisionHookProblems(good.replace(/ {4}windows:\n.*\n.*\n/, ''), script, everything)).toEqual([
            'azure.yaml: hooks.preprovision.windows is not declared',
        ]);
        expect(preprovisionHookProblems(good.replace('; exit $LASTEXITCODE', ''), script, everything)).toEqual([
            'azure.yaml: hooks.preprovision.windows.run is node infra/hooks/preprovision.mjs, expected node infra/hooks/preprovision.mjs; exit $LASTEXITCODE',
        ]);
        expect(preprovisionHookProblems(good.replace('shell: sh', 'shell: pwsh'), script, everything)).toEqual([
            'azure.yaml: hooks.preprovision.posix.shell is pwsh, expected sh',
        ]);
        expect(preprovisionHookProblems(good.replace(/preprovision\.mjs$/m, 'other.mjs'), script, everything)).toEqual([
            'azure.yaml: hooks.preprovision.posix.run is node infra/hooks/other.mjs, expected node infra/hooks/preprovision.mjs',
        ]);
        expect(
            preprovisionHookProblems(
                good.replace('      shell: sh\n', '      shell: sh\n      continueOnError: true\n'),
                script,
                everything,
            ),
        ).toEqual([
            'azure.yaml: hooks.preprovision.posix.continueOnError would let provisioning go ahead after the hook fails',
        ]);
        expect(
            preprovisionHookProblems(
                good.replace('  preprovision:\n', '  preprovision:\n    run: echo hi\n'),
                script,
                everything,
            ),
        ).toEqual(['azure.yaml: hooks.preprovision has run; use only the posix and windows entries']);
        expect(preprovisionHookProblems(good, script, { exists: () => false })).toEqual([
            'azure.yaml: the preprovision hook runs infra/hooks/preprovision.mjs, which does not exist',
        ]);
    });
});

describe('evaluateCondition', () => {
    const evaluate = (expression: string, flag: boolean, empty: boolean) => {
        const file = bicep(`param flag bool = false
@secure()
param secret string = ''
var alias = !flag
var x = ${expression}`);
        const declarations = declarationsOf(file);
        return evaluateCondition(declarations, declarations.vars.get('x')?.value, {
            flags: new Map([['flag', flag]]),
            empty: new Map([['secret', empty]]),
        });
    };

    it('computes !, &&, ||, ==, !=, parentheses, variables and empty(param)', () => {
        expect(evaluate('flag || !empty(secret)', false, true)).toBe(false);
        expect(evaluate('flag || !empty(secret)', false, false)).toBe(true);
        expect(evaluate('!(sys.empty(secret) && alias)', false, true)).toBe(false);
        expect(evaluate('flag == false && empty(secret) != false', false, true)).toBe(true);
        expect(evaluate('true && alias', true, true)).toBe(false);
    });

    it('gives up (undefined) on anything else', () => {
        expect(evaluate('length(secret) > 0', false, true)).toBeUndefined();
        expect(evaluate('empty(other)', false, true)).toBeUndefined();
        expect(evaluate("secret == ''", false, true)).toBeUndefined();
    });
});

describe('firstDeploymentSecretProblems', () => {
    const guard = {
        secretParam: 'secret',
        flagParam: 'alreadyInVault',
        module: 'kv',
        moduleParam: 'value',
    };
    const main = (passed: string, { flagDefault = 'false', secure = '@secure()\n', extra = '' } = {}) =>
        bicep(`${secure}param secret string = ''
param alreadyInVault bool = ${flagDefault}
var message = 'secret is required on the first deployment'
${extra}
module kv 'kv.bicep' = {
  name: 'kv'
  params: {
    value: ${passed}
  }
}`);

    it('passes a guard that fails only for a first deployment without the secret, inline or through variables', () => {
        expect(
            firstDeploymentSecretProblems(main('alreadyInVault || !empty(secret) ? secret : fail(message)'), guard),
        ).toEqual([]);
        expect(
            firstDeploymentSecretProblems(
                main(`!alreadyInVault && empty(secret) ? sys.fail('secret is missing') : secret`),
                guard,
            ),
        ).toEqual([]);
        expect(
            firstDeploymentSecretProblems(
                main('checked', {
                    extra: 'var ok = alreadyInVault || !empty(secret)\nvar checked = ok ? secret : fail(message)',
                }),
                guard,
            ),
        ).toEqual([]);
    });

    it('catches a secret passed unchecked, so a first deployment without it would succeed', () => {
        expect(firstDeploymentSecretProblems(main('secret'), guard)).toEqual([
            expect.stringMatching(
                /kv\.value must be `<condition> \? secret : fail\('\.\.\.'\)`, so a first deployment/,
            ),
        ]);
        expect(firstDeploymentSecretProblems(main("empty(secret) ? 'placeholder' : secret"), guard)).toEqual([
            expect.stringMatching(/must be `<condition> \? secret : fail/),
        ]);
    });

    it('catches conditions that fail too often or not at all', () => {
        expect(firstDeploymentSecretProblems(main('!empty(secret) ? secret : fail(message)'), guard)).toEqual([
            expect.stringMatching(
                /with alreadyInVault=true and an empty secret the deployment fails; expected it to go ahead$/,
            ),
        ]);
        expect(firstDeploymentSecretProblems(main('alreadyInVault ? secret : fail(message)'), guard)).toEqual([
            expect.stringMatching(
                /alreadyInVault=false and a given secret the deployment fails; expected it to go ahead/,
            ),
        ]);
        expect(
            firstDeploymentSecretProblems(main('alreadyInVault && empty(secret) ? fail(message) : secret'), guard),
        ).toEqual([
            expect.stringMatching(
                /alreadyInVault=false and an empty secret the deployment goes ahead; expected it to fail/,
            ),
            expect.stringMatching(
                /alreadyInVault=true and an empty secret the deployment fails; expected it to go ahead/,
            ),
        ]);
        expect(firstDeploymentSecretProblems(main('length(secret) > 0 ? secret : fail(message)'), guard)).toEqual([
            expect.stringMatching(/cannot evaluate the condition length\(secret\) > 0/),
        ]);
    });

    it('catches a message that does not name the parameter, a flag defaulting to true and a secret not @secure()', () => {
        expect(
            firstDeploymentSecretProblems(main("alreadyInVault || !empty(secret) ? secret : fail('missing')"), guard),
        ).toEqual([expect.stringMatching(/the fail\(\) message must name secret/)]);
        expect(
            firstDeploymentSecretProblems(
                main('alreadyInVault || !empty(secret) ? secret : fail(message)', { flagDefault: 'true' }),
                guard,
            ),
        ).toEqual([expect.stringMatching(/parameter alreadyInVault must default to false/)]);
        expect(
            firstDeploymentSecretProblems(
                main('alreadyInVault || !empty(secret) ? secret : fail(message)', { secure: '' }),
                guard,
            ),
        ).toEqual([expect.stringMatching(/secret must be @secure\(\)/)]);
        expect(firstDeploymentSecretProblems(main('secret'), { ...guard, module: 'other' })).toEqual([
            'snippet.bicep: module other is not passed value',
        ]);
    });
});

describe('readBackFlagProblems', () => {
    const flag = { output: 'SECRET_IN_VAULT', param: 'alreadyInVault' };
    const main = (param = 'param alreadyInVault bool = false', output = 'output SECRET_IN_VAULT bool = true') =>
        bicep(`${param}\n${output}\n`);
    const json = (value: string) => JSON.stringify({ parameters: { alreadyInVault: { value } } });

    it('passes a bool output fed back into a bool parameter defaulting to false', () => {
        expect(readBackFlagProblems(main(), json('${SECRET_IN_VAULT=false}'), 'p.json', flag)).toEqual([]);
    });

    it('catches a missing or non-bool output, a wrong parameter, and a placeholder that does not read the output', () => {
        expect(readBackFlagProblems(main(undefined, ''), json('${SECRET_IN_VAULT=false}'), 'p.json', flag)).toEqual([
            'snippet.bicep: output SECRET_IN_VAULT is not declared',
        ]);
        expect(
            readBackFlagProblems(
                main(undefined, "output SECRET_IN_VAULT string = 'true'"),
                json('${SECRET_IN_VAULT=false}'),
                'p.json',
                flag,
            ),
        ).toEqual([expect.stringMatching(/output SECRET_IN_VAULT must be a bool/)]);
        expect(
            readBackFlagProblems(
                main('param alreadyInVault bool = true'),
                json('${SECRET_IN_VAULT=false}'),
                'p.json',
                flag,
            ),
        ).toEqual([expect.stringMatching(/parameter alreadyInVault must default to false/)]);
        expect(
            readBackFlagProblems(
                main("param alreadyInVault string = ''"),
                json('${SECRET_IN_VAULT=false}'),
                'p.json',
                flag,
            ),
        ).toEqual([expect.stringMatching(/parameter alreadyInVault must be a bool/)]);
        expect(readBackFlagProblems(main(), json('${OTHER_NAME=false}'), 'p.json', flag)).toEqual([
            'p.json: alreadyInVault must be "${SECRET_IN_VAULT=false}" (azd reads the output back on later provisions), not "${OTHER_NAME=false}"',
        ]);
        expect(readBackFlagProblems(main(), json('${SECRET_IN_VAULT}'), 'p.json', flag)).toEqual([
            expect.stringMatching(/not "\$\{SECRET_IN_VAULT\}"$/),
        ]);
        expect(readBackFlagProblems(main(), JSON.stringify({ parameters: {} }), 'p.json', flag)).toEqual([
            expect.stringMatching(/not missing$/),
        ]);
    });
});

describe('writtenOnlyWhenGivenProblems', () => {
    const vault = (condition: string) =>
        bicep(`@secure()
param value string = ''
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: 'kv'
}
resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = ${condition}{
  parent: vault
  name: 'graph-client-secret'
  properties: {
    value: value
  }
}`);

    it('passes a secret written only when its value is given', () => {
        expect(writtenOnlyWhenGivenProblems(vault('if (!empty(value)) '), 'value')).toEqual([]);
    });

    it('catches a secret written unconditionally (a re-deploy would overwrite a rotated value) or the wrong way round', () => {
        expect(writtenOnlyWhenGivenProblems(vault(''), 'value')).toEqual([
            expect.stringMatching(/secret is written when value is empty/),
        ]);
        expect(writtenOnlyWhenGivenProblems(vault('if (empty(value)) '), 'value')).toEqual([
            expect.stringMatching(/secret is written when value is empty/),
            expect.stringMatching(/secret is not written when value is given/),
        ]);
        expect(writtenOnlyWhenGivenProblems(vault('if (length(value) > 0) '), 'value')).toEqual([
            expect.stringMatching(/cannot evaluate the condition of secret/),
        ]);
        expect(writtenOnlyWhenGivenProblems(vault(''), 'other')).toEqual([
            'snippet.bicep: expected one Key Vault secret with value other, found 0',
        ]);
    });
});

describe('.funcignore and the build mode', () => {
    it('matches like gitignore', () => {
        const ignored = ignoreMatcher('*.ts\n!dist/**\nnode_modules/\n/local.settings.json\ntest\n# comment\n');
        expect(ignored('src/index.ts')).toBe(true);
        expect(ignored('dist/src/index.ts')).toBe(false);
        expect(ignored('node_modules/x/package.json')).toBe(true);
        expect(ignored('local.settings.json')).toBe(true);
        expect(ignored('sub/local.settings.json')).toBe(false);
        expect(ignored('test/a.js')).toBe(true);
        expect(ignored('src/test.js')).toBe(false);
        expect(ignored('host.json')).toBe(false);
        // A file in an excluded folder cannot be re-included.
        expect(ignoreMatcher('dist\n!dist/a.js\n')('dist/a.js')).toBe(true);
        expect(ignoreMatcher('**/*.map\n')('dist/src/a.js.map')).toBe(true);
    });

    const current = readFileSync(join(ROOT, '.funcignore'), 'utf8');
    const remoteStyle = `*.js.map
.git*
.vscode
.local
local.settings.json
local.settings.example.json
test
dev
bench
infra
node_modules/
dist/
`;

    it('the repository .funcignore suits a remote build and would break a local build', () => {
        expect(packagingProblems(true, current)).toEqual([]);
        expect(packagingProblems(false, current)).toEqual(
            expect.arrayContaining([
                '.funcignore excludes dist/src/index.js, which the package needs with remoteBuild: false',
                '.funcignore excludes node_modules/@azure/functions/package.json, which the package needs with remoteBuild: false',
            ]),
        );
    });

    it('a remote-build .funcignore ships sources and no node_modules, and breaks a local build', () => {
        expect(packagingProblems(true, remoteStyle)).toEqual([]);
        expect(packagingProblems(false, remoteStyle)).toEqual([
            '.funcignore excludes dist/src/index.js, which the package needs with remoteBuild: false',
            '.funcignore excludes dist/src/functions/health.js, which the package needs with remoteBuild: false',
            '.funcignore excludes node_modules/@azure/functions/package.json, which the package needs with remoteBuild: false',
        ]);
    });

    it('catches secrets and tests leaking into the package', () => {
        expect(packagingProblems(false, 'node_modules/.cache\n')).toEqual(
            expect.arrayContaining([
                '.funcignore lets local.settings.json into the package (remoteBuild: false); exclude it',
                '.funcignore lets .local/tls/ca-key.pem into the package (remoteBuild: false); exclude it',
            ]),
        );
    });
});

describe('nativeRuntimeDependencies', () => {
    function fakeTree(files: Record<string, string>, directories: Record<string, string[]>) {
        return { read: (path: string) => files[path], list: (path: string) => directories[path] ?? [] };
    }
    const manifest = (dependencies: Record<string, string>, extra: object = {}) =>
        JSON.stringify({ dependencies, ...extra });

    it('finds native addons among runtime dependencies, nested or hoisted, and ignores dev dependencies', () => {
        const tree = fakeTree(
            {
                'package.json': JSON.stringify({
                    dependencies: { pure: '1', wrapper: '1' },
                    devDependencies: { 'dev-native': '1' },
                }),
                'node_modules/pure/package.json': manifest({}),
                'node_modules/wrapper/package.json': manifest({ 'gyp-dep': '1', 'prebuilt-dep': '1' }),
                'node_modules/wrapper/node_modules/gyp-dep/package.json': manifest({}, { gypfile: true }),
                'node_modules/prebuilt-dep/package.json': manifest({}),
                'node_modules/dev-native/package.json': manifest({}, { gypfile: true }),
            },
            {
                'node_modules/prebuilt-dep': ['package.json', 'prebuilds'],
                'node_modules/prebuilt-dep/prebuilds': ['linux-x64'],
                'node_modules/prebuilt-dep/prebuilds/linux-x64': ['addon.node'],
            },
        );
        expect(nativeRuntimeDependencies(tree)).toEqual(['gyp-dep', 'prebuilt-dep']);
    });

    it('passes a pure JavaScript tree', () => {
        const tree = fakeTree(
            { 'package.json': manifest({ pure: '1' }), 'node_modules/pure/package.json': manifest({}) },
            { 'node_modules/pure': ['package.json', 'index.js'] },
        );
        expect(nativeRuntimeDependencies(tree)).toEqual([]);
    });
});
