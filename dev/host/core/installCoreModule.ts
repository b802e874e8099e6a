import Module, { createRequire } from 'node:module';

import type { CoreRuntime } from './functionsCore';

const CORE_MODULE_NAME = '@azure/functions-core';

type ResolveFilename = (request: string, parent: unknown, isMain: boolean, options?: unknown) => string;
const moduleInternals = Module as unknown as { _resolveFilename: ResolveFilename };

let installed: CoreRuntime | undefined;

/**
 * Makes `require('@azure/functions-core')` resolve to functionsCore.ts, the way the worker injects its
 * built-in module, and returns the shared runtime. The runtime is loaded with `require` (not `import`)
 * so the host and @azure/functions get the very same module instance from the CommonJS cache.
 */
export function installCoreModule(): CoreRuntime {
    if (installed !== undefined) return installed;
    const corePath = require.resolve('./functionsCore');
    const original = moduleInternals._resolveFilename;
    moduleInternals._resolveFilename = function (request, parent, isMain, options) {
        if (request === CORE_MODULE_NAME) return corePath;
        return original.call(this, request, parent, isMain, options);
    };
    const core = createRequire(__filename)(corePath) as { coreRuntime: CoreRuntime };
    installed = core.coreRuntime;
    return installed;
}
