// ftp-srv (the npm package) as a test server: node scripts/ftpsrv.js
// PORT ROOT USER PASS [--anonymous] [--tls CERT KEY] [--max N]
// Listens on 127.0.0.1:PORT (0: a free port), serves ROOT to USER/PASS
// (and to anonymous with --anonymous), explicit FTPS with --tls, and
// prints "ready PORT" once it listens. Passive ports are any free port.
// Exits when its standard input closes, so a test that dies leaves no
// server behind.
'use strict';
const net = require('net');
const fs = require('fs');
const {FtpSrv} = require('ftp-srv');

const args = process.argv.slice(2);
const [port, root, user, pass] = args;
const anonymous = args.includes('--anonymous');
const tlsAt = args.indexOf('--tls');
const tls = tlsAt >= 0 ? {cert: fs.readFileSync(args[tlsAt + 1]), key: fs.readFileSync(args[tlsAt + 2])} : false;
const maxAt = args.indexOf('--max');
const max = maxAt >= 0 ? Number(args[maxAt + 1]) : 0;

// A free port first when asked for 0: ftp-srv takes its port from a URL.
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

// ftp-srv logs every refused command as an error; the tests check what
// the client saw. FTPSRV_LOG=1 shows them.
const verbose = process.env.FTPSRV_LOG === '1';
const quiet = {
  trace() {}, debug() {}, info() {}, warn() {}, fatal() {},
  error(...e) {
    if (verbose) process.stderr.write(`ftp-srv: ${e.map((x) => (x && x.message) || String(x)).join(' ')}\n`);
  },
  child() { return quiet; },
};

(async () => {
  const p = Number(port) || await freePort();
  const server = new FtpSrv({
    url: `ftp://127.0.0.1:${p}`,
    pasv_url: '127.0.0.1',
    pasv_min: 20000,
    pasv_max: 60000,
    anonymous,
    tls,
    log: quiet,
    greeting: ['ftp-srv test server'],
  });
  let sessions = 0;
  server.on('connect', ({connection}) => {
    sessions += 1;
    if (max && sessions > max) {
      // Said and ended, flushed (ftp-srv's own close() destroys the socket
      // at once, which loses the 421 to a reset).
      connection.commandSocket.end('421 Too many connections from your address.\r\n');
    }
  });
  server.on('disconnect', () => { sessions -= 1; });
  server.on('login', ({username, password}, resolve, reject) => {
    if (username === user && password === pass) return resolve({root});
    // Anonymous may read, not write.
    const writes = ['STOR', 'APPE', 'STOU', 'DELE', 'RNFR', 'RNTO', 'MKD', 'RMD', 'SITE'];
    if (anonymous && username === 'anonymous') return resolve({root, blacklist: writes});
    return reject(new Error('Bad username or password'));
  });
  await server.listen();
  process.stdout.write(`ready ${p}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
})().catch((e) => { process.stderr.write(`ftp-srv: ${e.stack || e}\n`); process.exit(1); });
