// Contract-B stand-in for the bench: first event at once, then a piece every 25 ms for ~5 s.
import http from 'node:http';
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: {"citations":[{"id":"1","title":"t","snippet":"s"}]}\n\ndata: {"answer":"first"}\n\n');
    let n = 0;
    const t = setInterval(() => {
      if (++n > 200 || res.destroyed) {
        clearInterval(t);
        res.end();
        return;
      }
      res.write(`data: {"answer":" piece ${n}"}\n\n`);
    }, 25);
  });
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (m) => {
  if (m === 'cpu') process.send({ cpu: process.cpuUsage(), uptime: process.uptime() });
});
