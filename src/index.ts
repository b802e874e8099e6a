/**
 * Entry file loaded by the Functions host before the function files (see package.json `main`).
 * It validates the configuration at start-up: a misconfigured app refuses to start and the host
 * log names every bad variable, instead of failing later inside an invocation.
 */
import { app } from '@azure/functions';

import { runtimeServices } from './app/runtime';
import { ensureError } from './errors';

const services = runtimeServices();

// The tables and the queue exist in Azure (Bicep creates them); a fresh local Azurite has none.
app.hook.appStart(async () => {
    try {
        await services.storage.ensureCreated();
    } catch (error) {
        services.processLogger.error('could not create the tables and the queue; storage calls will fail', {
            error: ensureError(error),
        });
    }
});
