/**
 * Entry file loaded by the Functions host before the function files (see package.json `main`).
 * It validates the configuration at start-up: a misconfigured app refuses to start and the host
 * log names every bad variable, instead of failing later inside an invocation.
 */
import { runtimeServices } from './app/runtime';

runtimeServices();
