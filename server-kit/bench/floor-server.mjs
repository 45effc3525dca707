// The floor under the kit, for the burst bench: Express 5 and an undici dispatch relay with none
// of the kit (no auth, validation, limits, SSE parsing, deadlines or telemetry). What Node itself
// costs per stream; the kit's own cost is the difference. argv[2]: the stand-in's URL.
import express from 'express';
import { Pool } from 'undici';
import { relayed, serveToParent, startAnswer } from './bench-child.mjs';

const url = new URL(process.argv[2]);
const pool = new Pool(url.origin, { connections: null });
const app = express();
app.post('/api/chat/stream', (req, res) =>
  startAnswer(req, res, (payload) => {
    let controller;
    res.once('close', () => {
      if (!res.writableFinished) controller?.abort(new Error('gone'));
    });
    pool.dispatch(
      { origin: url.origin, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: payload },
      {
        onRequestStart: (c) => (controller = c),
        onResponseStart: () => {},
        onResponseData: (_c, chunk) => res.write(relayed(chunk)),
        onResponseEnd: () => res.end(),
        onResponseError: () => res.destroy(),
      },
    );
  }),
);
serveToParent(app);
