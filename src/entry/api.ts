// `npm run api`: the agents' API as a process of its own: stateless, run as many as needed.

import { startApiServer } from '../api/server.js';
import { openInfrastructure } from '../bootstrap.js';
import { onShutdown, runEntryPoint } from '../process.js';

runEntryPoint('api', async (config, log) => {
  const infra = await openInfrastructure(config, log);
  const server = await startApiServer({ ...infra, log });
  onShutdown(async () => {
    await server.close();
    await infra.close();
  });
  log.info(`api: listening on ${server.url} (docs at ${server.url}/docs)`);
});
