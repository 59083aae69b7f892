// Submit a query over Socket.IO and print the pushed result.
// Usage: node examples/socket-query.mjs [http://127.0.0.1:3000]
import { io } from 'socket.io-client';

const socket = io(process.argv[2] ?? 'http://127.0.0.1:3000', { transports: ['websocket'] });
socket.on('query:result', (result) => {
  console.log(JSON.stringify(result, null, 2));
  socket.close();
});
socket.on('connect_error', (error) => {
  console.error(`cannot connect: ${error.message}`);
  process.exit(1);
});
const ack = await socket.timeout(10_000).emitWithAck('query:submit', {
  engine: 'postgres',
  dbml: "Table users {\n  id int [pk, increment]\n  name varchar\n}\nRecords users(id, name) {\n  1, 'Ada'\n  2, 'Grace'\n}",
  query: "INSERT INTO users (name) VALUES ('Linus'); SELECT * FROM users ORDER BY id",
});
console.log('accepted:', ack);
if (ack.error) socket.close();
