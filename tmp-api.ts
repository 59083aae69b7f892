import { spawn } from 'node:child_process';
import { startSentinelGroup } from './test/support/redis-sentinel.ts';
const g = await startSentinelGroup();
await g.formed();
const child = spawn(process.execPath, ['--import', 'tsx', 'apps/api/src/main.ts'], { env: { ...process.env, ...g.env, FLEET_ID: 'tdbg', PORT: '3999', LOG_LEVEL: 'info' }, stdio: 'inherit' });
await new Promise((r) => setTimeout(r, 12000));
try { const r = await fetch('http://127.0.0.1:3999/api/health'); console.log(r.status, await r.text()); } catch (e) { console.log('fetch', String(e)); }
child.kill('SIGTERM');
await new Promise((r) => setTimeout(r, 2000));
await g.stop();
