/**
 * The proctor's dashboard in a real browser: Debian's Chromium (installed by
 * scripts/test-tools/setup.sh, never downloaded) driven by playwright-core, against a real fleet.
 * It opens /proctor with a room's token, watches the room's figures and charts move as students
 * of that room and of another room run queries, and checks who is refused. The screenshot it
 * takes is the one the README shows: UPDATE_SCREENSHOTS=1 writes it to docs/proctor-dashboard.png
 * (otherwise it stays in memory, so a test run leaves the work tree clean).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSocket, post, type StudentSocket, submitOverSocket } from '../support/client.ts';
import { type Fleet, startFleet } from '../support/fleet.ts';
import { SHOP_DBML } from '../support/schemas.ts';

const CHROMIUM = '/usr/bin/chromium';
const OPS = 'ops-secret-for-browser-tests-42';
const SCREENSHOT = fileURLToPath(new URL('../../docs/proctor-dashboard.png', import.meta.url));
const roomA = 'exam-101';
const roomB = 'exam-202';

let fleet: Fleet;
let browser: Browser;
let tokenA: string;

beforeAll(async () => {
  // Installed by the project's own script in .ci/run; a missing browser is a failure, not a skip.
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/test-tools/setup.sh`);
  fleet = await startFleet({ workers: 2, env: { OPS_TOKEN: OPS, DASHBOARD_PUSH_MS: '500' } });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'],
  });
  const made = await fetch(`${fleet.url}/api/rooms/${roomA}/proctor-tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${OPS}` },
  });
  tokenA = ((await made.json()) as { token: string }).token;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.stop();
}, 90_000);

const figure = (page: Page, room: string, name: string) =>
  page.locator(`section[data-scope="room:${room}"] [data-figure="${name}"]`);

const answeredInChart = (page: Page, room: string) =>
  page.evaluate((key) => {
    const charts = (globalThis as unknown as Record<string, Record<string, { answers: { data: number[][] } }>>)
      .sqlfleetCharts;
    const answered = charts?.[key]?.answers.data[1] ?? [];
    return answered.reduce((sum, n) => sum + (n ?? 0), 0);
  }, `room:${room}`);

describe('the proctor dashboard in Chromium', () => {
  it("shows its room's figures and charts moving, and nothing of another room", async () => {
    const page = await browser.newPage({ viewport: { width: 1360, height: 960 } });
    const response = await page.goto(`${fleet.url}/proctor?token=${tokenA}`);
    expect(response?.status()).toBe(200);
    await page.locator('#status', { hasText: 'live' }).waitFor({ timeout: 20_000 });
    await figure(page, roomA, 'queries').waitFor();
    expect(await figure(page, roomA, 'queries').textContent()).toBe('0');
    expect(await answeredInChart(page, roomA)).toBe(0);
    const chartBefore = await page.locator(`section[data-scope="room:${roomA}"] .chart canvas`).first().screenshot();

    // Three students of room A over Socket.IO (they count as connected), one of them with a typo;
    // one student of room B over HTTP.
    const students: StudentSocket[] = [];
    try {
      for (let i = 0; i < 3; i++) students.push(await connectSocket(fleet.url));
      const base = { engine: 'postgres', dbml: SHOP_DBML, room: roomA };
      const first = await Promise.all(
        students.map((socket) => submitOverSocket(socket, { ...base, query: 'SELECT name FROM customers' })),
      );
      for (const [i, socket] of students.entries()) {
        const sessionId = first[i]?.result.sessionId;
        await submitOverSocket(socket, { ...base, sessionId, query: 'SELECT COUNT(*) FROM orders' });
      }
      await submitOverSocket(students[0] as StudentSocket, { ...base, query: 'SELEC oops' });
      const other = await post(fleet.url, { engine: 'postgres', dbml: SHOP_DBML, room: roomB, query: 'SELECT 1' });
      expect(other.status).toBe(200);

      await expect
        .poll(async () => Number(await figure(page, roomA, 'queries').textContent()), { timeout: 20_000 })
        .toBe(7);
      expect(await figure(page, roomA, 'students').textContent()).toBe('3');
      expect(await figure(page, roomA, 'sessions').textContent()).toBe('4');
      expect(await figure(page, roomA, 'errors').textContent()).toBe('1');
      await expect
        .poll(() => page.locator(`section[data-scope="room:${roomA}"] [data-outcome="sql-error"]`).textContent())
        .toBe('sql-error: 1/min');
      expect(await figure(page, roomA, 'wait').textContent()).toMatch(/\d+ (ms|s) \/ \d/);
      expect(await answeredInChart(page, roomA)).toBe(6);
      const chartAfter = await page.locator(`section[data-scope="room:${roomA}"] .chart canvas`).first().screenshot();
      expect(chartAfter.equals(chartBefore)).toBe(false);

      // Room B's activity appears nowhere on room A's dashboard.
      expect(await page.locator(`section[data-scope="room:${roomB}"]`).count()).toBe(0);
      expect(await page.locator('section[data-scope="fleet"]').count()).toBe(0);
      expect(await page.locator('body').textContent()).not.toContain(roomB);
      const shot = await page.screenshot({
        fullPage: true,
        ...(process.env.UPDATE_SCREENSHOTS ? { path: SCREENSHOT } : {}),
      });
      expect(shot.subarray(1, 4).toString()).toBe('PNG');
    } finally {
      for (const socket of students) socket.disconnect();
      await page.close();
    }
  });

  it("refuses the page without a token or with a student's session id, in the browser and on the socket", async () => {
    const student = await post(fleet.url, { engine: 'postgres', dbml: SHOP_DBML, room: roomA, query: 'SELECT 1' });
    const sessionId = String(student.body.sessionId);
    const page = await browser.newPage();
    try {
      for (const url of [
        `${fleet.url}/proctor`,
        `${fleet.url}/proctor?token=${sessionId}`,
        `${fleet.url}/proctor?token=pt_nope`,
      ]) {
        const response = await page.goto(url);
        expect(response?.status(), url).toBe(401);
        expect(await page.locator('body').textContent()).toContain('PROCTOR_TOKEN_REQUIRED');
        expect(await page.locator('section.scope').count()).toBe(0);
      }
    } finally {
      await page.close();
    }
    const socket = io(`${fleet.url}/proctor`, {
      auth: { token: sessionId },
      transports: ['websocket'],
      reconnection: false,
    });
    try {
      const refusal = await new Promise<Error & { data?: { error?: { code?: string } } }>((resolve, reject) => {
        socket.once('connect_error', resolve);
        socket.once('connect', () => reject(new Error('a session id opened the proctor namespace')));
      });
      expect(refusal.data?.error?.code).toBe('PROCTOR_TOKEN_REQUIRED');
    } finally {
      socket.disconnect();
    }
  });
});
