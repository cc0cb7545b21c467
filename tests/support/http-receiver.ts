// A real local HTTP server that records what it is sent: the receiving end of webhooks and Slack posts.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The status this receiver answered with. */
  status: number;
}

export interface HttpReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Answers with this status from now on (e.g. 503 for an outage, 200 when it is back). */
  answer(status: number): void;
  /** An outage that lasts `requests` requests: they get 503, then the receiver answers as before. */
  refuseNext(requests: number): void;
  close(): Promise<void>;
}

export async function startHttpReceiver(initialStatus = 200): Promise<HttpReceiver> {
  let status = initialStatus;
  let refusing = 0;
  const requests: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answered = refusing > 0 ? 503 : status;
      if (refusing > 0) refusing--;
      requests.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        status: answered,
      });
      response
        .writeHead(answered, { 'content-type': 'text/plain' })
        .end(answered < 300 ? 'ok' : 'unavailable');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answer(next) {
      status = next;
    },
    refuseNext(count) {
      refusing = count;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
