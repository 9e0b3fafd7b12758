/**
 * Baseline (b): a Socket.IO server doing the same fan-out. Subscribers connect with
 * `query.room` and are joined to that room, then get `ready`; a publisher emits
 * `publish(room, event)` and the server broadcasts `event` to the room (Socket.IO's in-memory
 * adapter encodes the packet once per broadcast), then acknowledges the publish. WebSocket transport only, as the clients use.
 * Prints `{"listening":<port>}` on stdout; exits on SIGTERM.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const server = createServer();
const io = new Server(server, { transports: ['websocket'], serveClient: false });

io.on('connection', (socket) => {
  const room = String(socket.handshake.query.room ?? '0');
  if (socket.handshake.query.role === 'pub') {
    // Acknowledged, so the publisher knows each event has been broadcast before it disconnects
    // (socket.io-client drops packets still in its write buffer on disconnect()).
    socket.on('publish', (event: unknown, ack?: () => void) => {
      io.to(room).emit('event', event);
      ack?.();
    });
    return;
  }
  void socket.join(room);
  socket.emit('ready');
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ listening: typeof address === 'object' ? address?.port : 0 })}\n`,
  );
});
process.on('SIGTERM', () => {
  io.disconnectSockets(true);
  void io.close(() => process.exit(0));
});
