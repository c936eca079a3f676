/**
 * Web console benchmark (issue 15), on the local stack as `npm start` runs it
 * (`npm run demo` in a fresh data dir, then the demo with --serve on it, on a
 * free port):
 * - first load: the bytes of what index.html loads before any page (entry,
 *   its static imports, CSS; gzipped, from the build) and the time a fresh
 *   browser context (cold cache) takes from navigation to the first page's
 *   heading, in Debian's chromium;
 * - verification of the demo's final audit report against its trust policy:
 *   in the browser (the verify page, the domain's verifyReport over
 *   WebCrypto) against `sib report verify FILE --trust T` on the same files
 *   (the whole command), and against verifyReport in this process;
 * - each role's pages: signed in as the role (the development token), every
 *   page of its navigation opened in a fresh context (cold cache), and the
 *   bytes of the scripts and styles it loaded (raw, and gzipped as a CDN
 *   would send them) counted.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { TrustPolicySchema } from '#ledger';
import { verifyReport } from '#reports';
import { buildConsole } from '../console/build.ts';
import { freePorts } from '../infra/local/processes.ts';
import { launchChromium } from '../test/support/browser.ts';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');

export interface ConsoleBench {
  readonly firstLoadFiles: number;
  readonly firstLoadBytes: number;
  readonly firstLoadGzipBytes: number;
  /** Navigation start to the first page's heading, cold cache, median of runs. */
  readonly firstLoadMs: number;
  readonly firstLoadRunsMs: readonly number[];
  readonly reportBytes: number;
  /** The verify page's own timing (withWebCrypto(verifyReport)), median. */
  readonly browserVerifyMs: number;
  /** `sib report verify --trust` as a process, median. */
  readonly cliVerifyMs: number;
  /** verifyReport in this process (Node's crypto), median. */
  readonly nodeVerifyMs: number;
  readonly checks: number;
  /** Per role, each page of its navigation: the script and style bytes a cold load of it fetched. */
  readonly rolePages: readonly RolePageLoad[];
}

export interface RolePageLoad {
  readonly role: string;
  readonly path: string;
  readonly files: number;
  readonly bytes: number;
  readonly gzipBytes: number;
}

const ROLE_SUBJECTS: Readonly<Record<string, string>> = {
  operator: 'second-chance-operator',
  ministry: 'minlabour-kamchatka',
  investor: 'investor-bench',
  evaluator: 'evaluator-bench',
};

/** Signs in as each role, lists its navigation, and opens each page cold, counting the assets it loads. */
async function rolePageLoads(browser: Browser, url: string): Promise<RolePageLoad[]> {
  const loads: RolePageLoad[] = [];
  for (const [role, subject] of Object.entries(ROLE_SUBJECTS)) {
    const res = await fetch(`${url}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ role, subject, contracts: ['*'] }),
    });
    if (!res.ok) throw new Error(`dev token for ${role}: ${res.status} ${await res.text()}`);
    const session = { ...((await res.json()) as object), via: 'local' };
    const signedIn = async () => {
      const context = await browser.newContext();
      await context.addInitScript(
        (s: string) => sessionStorage.setItem('sib-console.session', s),
        JSON.stringify(session),
      );
      return context;
    };
    const first = await signedIn();
    const nav = await first.newPage();
    await nav.goto(`${url}/`);
    await nav.locator('nav a').first().waitFor();
    const paths = await nav.locator('nav a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? '/'));
    await first.close();
    for (const path of paths) {
      const context = await signedIn();
      const page = await context.newPage();
      const bodies: Promise<Buffer>[] = [];
      page.on('response', (r) => {
        const type = r.request().resourceType();
        if (type === 'script' || type === 'stylesheet') bodies.push(r.body());
      });
      await page.goto(`${url}${path}`);
      await page.locator('main h1').first().waitFor();
      await page.waitForLoadState('networkidle');
      const files = await Promise.all(bodies);
      loads.push({
        role,
        path,
        files: files.length,
        bytes: files.reduce((n, b) => n + b.byteLength, 0),
        gzipBytes: files.reduce((n, b) => n + gzipSync(b).byteLength, 0),
      });
      await context.close();
    }
  }
  return loads;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

/** `npm start` in a fresh data dir: resolves with the URL once it serves, and a stop function. */
async function startServing(dir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const [port] = (await freePorts(1)) as [number];
  const child = spawn(process.execPath, ['cli/main.ts', 'demo', '--serve'], {
    cwd: root,
    env: { ...process.env, SIB_DATA_DIR: dir, SIB_CONFIG_DIR: join(dir, 'config'), SIB_API_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((ok, fail) => {
    const timer = setInterval(() => {
      if (out.includes('Press Ctrl-C to stop')) {
        clearInterval(timer);
        ok();
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        fail(new Error(`npm start ended early:\n${out.slice(-2000)}`));
      }
    }, 200);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGINT');
      await exited;
    },
  };
}

export async function benchConsole(options: { loads?: number; verifies?: number } = {}): Promise<ConsoleBench> {
  const loads = options.loads ?? 5;
  const verifies = options.verifies ?? 5;
  const build = await buildConsole();
  const dir = await mkdtemp(join(tmpdir(), 'sib-bench-console-'));
  // `npm run demo` first, so every period is decided and the final report issued; then `npm start` on that data dir.
  await run(process.execPath, ['cli/main.ts', 'demo'], {
    cwd: root,
    env: { ...process.env, SIB_DATA_DIR: dir, SIB_CONFIG_DIR: join(dir, 'config') },
    maxBuffer: 64 * 1024 * 1024,
  });
  const server = await startServing(dir);
  const browser = await launchChromium();
  try {
    // First load: a fresh context each time (nothing cached), to the sign-in page's heading.
    const firstLoadRunsMs: number[] = [];
    for (let i = 0; i < loads; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${server.url}/sign-in`);
      await page.locator('main h1').waitFor();
      firstLoadRunsMs.push(await page.evaluate(() => performance.now()));
      await context.close();
    }

    // The demo's final report (the final period's) and the trust policy the investor fetched.
    const reports = (await readdir(join(dir, 'reports'))).filter((f) => f.endsWith('.json'));
    const final = reports.find((f) => f.includes('final'));
    if (final === undefined) throw new Error(`no final report among ${reports.join(', ')}`);
    const reportFile = join(dir, 'reports', final);
    const policyFile = join(dir, 'trust', 'second-chance-kamchatka.json');
    const reportBytes = new Uint8Array(await readFile(reportFile));
    const trust = TrustPolicySchema.parse(JSON.parse(await readFile(policyFile, 'utf8')));

    const browserMs: number[] = [];
    let checks = 0;
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/investor/verify`);
    for (let i = 0; i < verifies; i++) {
      await page.locator('[data-testid=report-drop] input[type=file]').setInputFiles(reportFile);
      await page.locator('[data-testid=policy-drop] input[type=file]').setInputFiles(policyFile);
      await page.locator('[data-testid=verify-run]').click();
      await page.locator('[data-verdict="ok"]').waitFor();
      browserMs.push(Number(await page.locator('[data-verify-ms]').getAttribute('data-verify-ms')));
      checks = await page.locator('tr.check-ok').count();
      await page.reload();
    }
    await context.close();
    const rolePages = await rolePageLoads(browser, server.url);

    const cliMs: number[] = [];
    for (let i = 0; i < verifies; i++) {
      const started = performance.now();
      await run(process.execPath, ['cli/main.ts', 'report', 'verify', reportFile, '--trust', policyFile], {
        cwd: root,
        env: { ...process.env, SIB_DATA_DIR: dir, SIB_CONFIG_DIR: join(dir, 'config-cli') },
      });
      cliMs.push(performance.now() - started);
    }
    const nodeMs: number[] = [];
    for (let i = 0; i < verifies; i++) {
      const started = performance.now();
      const r = verifyReport(reportBytes, [], { trust });
      nodeMs.push(performance.now() - started);
      if (!r.ok) throw new Error('the demo report does not verify in Node');
    }
    return {
      firstLoadFiles: build.firstLoad.length,
      firstLoadBytes: build.firstLoadBytes,
      firstLoadGzipBytes: build.firstLoadGzipBytes,
      firstLoadMs: median(firstLoadRunsMs),
      firstLoadRunsMs,
      reportBytes: reportBytes.byteLength,
      browserVerifyMs: median(browserMs),
      cliVerifyMs: median(cliMs),
      nodeVerifyMs: median(nodeMs),
      checks,
      rolePages,
    };
  } finally {
    await browser.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatConsole(c: ConsoleBench): string {
  const f = (n: number, d = 1) => n.toFixed(d);
  return [
    'Web console on the local stack (npm run demo in a fresh data dir, then npm start on it; Debian chromium, headless):',
    `  first load: ${c.firstLoadFiles} files, ${f(c.firstLoadGzipBytes / 1024)} KB gzipped (${f(c.firstLoadBytes / 1024)} KB raw; budget 250 KB gzipped)`,
    `  first load to the sign-in heading, cold cache: median ${f(c.firstLoadMs, 0)} ms (runs ${c.firstLoadRunsMs.map((x) => f(x, 0)).join(', ')} ms)`,
    `  the demo's final report (${f(c.reportBytes / 1024)} kB, ${c.checks} checks) against its trust policy, median:`,
    `    in the browser (verify page, WebCrypto)  ${f(c.browserVerifyMs)} ms`,
    `    sib report verify --trust (the command)  ${f(c.cliVerifyMs)} ms   browser/command ${f(c.browserVerifyMs / c.cliVerifyMs, 3)}`,
    `    verifyReport in Node (in process)       ${f(c.nodeVerifyMs)} ms   browser/in-process ${f(c.browserVerifyMs / c.nodeVerifyMs, 2)}`,
    "  each role's pages, opened cold (scripts and styles fetched; KB gzipped / raw):",
    ...c.rolePages.map(
      (r) =>
        `    ${r.role.padEnd(9)} ${r.path.padEnd(24)} ${f(r.gzipBytes / 1024).padStart(6)} / ${f(r.bytes / 1024)} KB (${r.files} files)`,
    ),
  ].join('\n');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  console.log(formatConsole(await benchConsole()));
}
