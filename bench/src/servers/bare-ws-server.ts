/**
 * Baseline (a): a bare `ws` server broadcasting the same payloads Parley sends — the practical
 * ceiling for fan-out in Node. Subscribers connect with `?room=<n>` and get `{"type":"ready"}`
 * once registered; a publisher connects with `?role=pub&room=<n>` and every frame it sends is
 * written verbatim to every subscriber of that room (the ws README's broadcast loop). Prints
 * `{"listening":<port>}` on stdout; exits on SIGTERM.
 */
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

const rooms = new Map<string, Set<WebSocket>>();
const server = createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server, perMessageDeflate: false });

wss.on('connection', (ws, req) => {
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const room = query.get('room') ?? '0';
  if (query.get('role') === 'pub') {
    ws.on('message', (data: Buffer) => {
      for (const sub of rooms.get(room) ?? []) sub.send(data, { binary: false });
    });
    return;
  }
  let set = rooms.get(room);
  if (!set) rooms.set(room, (set = new Set()));
  set.add(ws);
  ws.on('close', () => set.delete(ws));
  ws.send('{"type":"ready"}');
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ listening: typeof address === 'object' ? address?.port : 0 })}\n`,
  );
});
process.on('SIGTERM', () => {
  for (const ws of wss.clients) ws.terminate();
  server.close(() => process.exit(0));
});
