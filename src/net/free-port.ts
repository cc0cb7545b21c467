import net from 'node:net';

/**
 * Returns a TCP port that was free on `host` a moment ago (the OS picks it via `listen(0)`, then the
 * socket is closed). Another process may grab it before the caller binds it, so callers that start a
 * server on it should be prepared to retry with a new port.
 */
export async function getFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`could not determine a free port on ${host}`));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}
