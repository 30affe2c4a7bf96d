// `node test/bench/framework-floor.mjs`: what answering one small POST costs in server CPU with bare
// node:http, with Express 5, and with a Nest 12 controller on Express (the platform ParModule runs on),
// each in its own process, loaded by wrk (Debian package `wrk`) with 16 connections. A measurement, not
// a test: it shows the per-request floor the framework puts under every endpoint.
// env: SECONDS_PER_RUN (6), CONNECTIONS (16).
import 'reflect-metadata';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const body = JSON.stringify({ request_uri: `urn:ietf:params:oauth:request_uri:${'x'.repeat(43)}`, expires_in: 60 });
function send(res) {
  res.statusCode = 201;
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
async function drain(req) {
  for await (const _chunk of req);
}

async function serve(kind, port) {
  if (kind === 'node:http') {
    http.createServer(async (req, res) => (await drain(req), send(res))).listen(port);
  } else if (kind === 'express') {
    const { default: express } = await import('express');
    const app = express();
    app.post('/par', async (req, res) => (await drain(req), send(res)));
    app.listen(port);
  } else {
    const { Controller, Module, Post, Req, Res } = await import('@nestjs/common');
    const { NestFactory } = await import('@nestjs/core');
    class PushController {
      async push(req, res) {
        await drain(req);
        send(res);
      }
    }
    Req()(PushController.prototype, 'push', 0);
    Res()(PushController.prototype, 'push', 1);
    Reflect.decorate([Post('/par')], PushController.prototype, 'push', Object.getOwnPropertyDescriptor(PushController.prototype, 'push'));
    Reflect.decorate([Controller()], PushController);
    class FloorModule {}
    Reflect.decorate([Module({ controllers: [PushController] })], FloorModule);
    // 'nest+ParExpressAdapter': the adapter the demo uses (from the build: `npm run build` first).
    const adapter = kind === 'nest' ? [] : [new (await import('../../dist/src/par/index.js')).ParExpressAdapter()];
    const app = await NestFactory.create(FloorModule, ...adapter, { bodyParser: false, logger: false });
    await app.listen(port);
  }
  process.send?.('up');
}

if (process.argv[2]) {
  await serve(process.argv[2], Number(process.argv[3]));
} else {
  const seconds = Number(process.env.SECONDS_PER_RUN ?? 6);
  const connections = process.env.CONNECTIONS ?? '16';
  const script = join(tmpdir(), 'framework-floor.lua');
  writeFileSync(script, 'wrk.method = "POST"\nwrk.body = "response_type=code&scope=openid&state=abc"\nwrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n');
  const cpuTicks = (pid) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ').slice(11, 13).reduce((a, b) => a + Number(b), 0);
  console.log('| server | requests/s | server CPU µs/request |\n|---|---|---|');
  for (const [i, kind] of ['node:http', 'express', 'nest', 'nest+ParExpressAdapter'].entries()) {
    const port = 3300 + i;
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), kind, String(port)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise((resolve) => child.once('message', resolve));
    const wrk = (duration) => execFileSync('wrk', ['-t1', `-c${connections}`, `-d${duration}s`, '-s', script, `http://127.0.0.1:${port}/par`], { encoding: 'utf8' });
    wrk(2);
    const before = cpuTicks(child.pid);
    const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(wrk(seconds))[1]);
    const ticks = cpuTicks(child.pid) - before;
    console.log(`| ${kind} | ${Math.round(rate)} | ${((ticks * 10_000) / (rate * seconds)).toFixed(0)} |`);
    child.kill();
  }
}
