import { type AppConfig, loadConfig } from '../config';
import { buildServices, type Services } from './services';

let services: Services | undefined;

/**
 * The process's services, built on first use from the environment. This is the one place in src/
 * that reads process.env; everything below it receives its configuration.
 */
export function runtimeServices(): Services {
    services ??= buildServices(runtimeConfig());
    return services;
}

/** Validates the environment (at start-up, so a misconfigured app refuses to start). */
export function runtimeConfig(): AppConfig {
    return services?.config ?? loadConfig(process.env);
}
