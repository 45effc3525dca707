// For profile-burst.mjs: lets the driver profile exactly the measured window of a bench server.
// {prof:'start'} starts V8's CPU profiler in this process; {prof:'stop', file} writes a
// .cpuprofile there and answers {prof:'written'}. Other messages are left to the server.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

const session = new Session();
const post = (method, params) => new Promise((r, fail) => session.post(method, params, (err, res) => (err ? fail(err) : r(res))));
process.on('message', async (m) => {
  if (m?.prof === 'start') {
    session.connect();
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 200 });
    await post('Profiler.start');
    process.send({ prof: 'started' });
  } else if (m?.prof === 'stop') {
    const { profile } = await post('Profiler.stop');
    writeFileSync(m.file, JSON.stringify(profile));
    session.disconnect();
    process.send({ prof: 'written' });
  }
});
