// Contract-B stand-in for the bench: first event at once, then a piece every 25 ms for ~5 s.
import http from 'node:http';
// A question starting "hold" (the memory phase) gets a stream that stays open, a piece a second,
// until the caller leaves, so every held stream is still open when memory is measured.
const server = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const hold = body.includes('"hold');
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: {"citations":[{"id":"1","title":"t","snippet":"s"}]}\n\ndata: {"answer":"first"}\n\n');
    let n = 0;
    const t = setInterval(() => {
      if ((++n > 200 && !hold) || res.destroyed) {
        clearInterval(t);
        res.end();
        return;
      }
      res.write(`data: {"answer":" piece ${n}"}\n\n`);
    }, hold ? 1000 : 25);
  });
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (m) => {
  if (m === 'cpu') process.send({ cpu: process.cpuUsage(), uptime: process.uptime() });
});
