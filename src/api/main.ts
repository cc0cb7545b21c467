// The agents' API as a process of its own (`tsx src/api/main.ts`): stateless, run as many as needed.
import { onShutdown, openInfrastructure } from '../bootstrap.js';
import { loadConfig } from '../config.js';
import { startApiServer } from './server.js';

const config = loadConfig();
const infra = await openInfrastructure(config, console.log);
const server = await startApiServer(infra);
console.log(`api: listening on ${server.url} (docs at ${server.url}/docs)`);
onShutdown(async () => {
  await server.close();
  await infra.close();
});
