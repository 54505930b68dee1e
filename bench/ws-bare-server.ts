/**
 * The ceiling for `npm run bench:ws`: a bare Socket.IO server (no auth, no database, no
 * validation) that joins rooms and fans a payload out to a room, run as its own process
 * like the Vigie nodes. Prints `READY <url>`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

const server = http.createServer();
const io = new Server(server, { serveClient: false });
io.on('connection', (socket) => {
  socket.on('join', (room: string, ack: (ok: boolean) => void) => {
    void socket.join(room);
    ack(true);
  });
  socket.on('send', (payload: { room: string; message: unknown }, ack: (ok: boolean) => void) => {
    io.to(payload.room).emit('message:new', { message: payload.message });
    ack(true);
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`READY http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.once('SIGTERM', () => {
  io.close();
  process.exit(0);
});
