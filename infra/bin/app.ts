/**
 * The sib-ledger CDK app. Environment-agnostic and lookup-free, so
 * `npx cdk synth` works offline without AWS credentials. cdk-nag's
 * AwsSolutions pack checks the whole app: an unacknowledged finding fails
 * the synthesis; every acknowledgement sits beside its resource, with a reason.
 *
 *   npx cdk synth -c stage=prod -c reportRetentionDays=2555 -c archiveRetentionDays=2555 \
 *     -c cognitoDomainPrefix=sib-ledger-prod -c alarmEmail=ops@example.org
 *
 * The web console's build (console/dist) is an asset of the stateless
 * stack: it is built here first (esbuild, offline) when missing or older
 * than its sources. With bundling skipped (`npm run synth`) the stack
 * deploys a stub page instead and nothing is built.
 *
 * Context (all optional): see buildApp in infra/app.ts.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { buildConsole, CONSOLE_DIST } from '../../console/build.ts';
import { buildApp } from '../app.ts';
import { SKIP_BUNDLING_CONTEXT } from '../constructs/handler-function.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** What the console's bundle is made of: its sources, its build script and the domain code it runs. */
const CONSOLE_SOURCES = ['console/src', 'console/build.ts', 'domain'].map((p) => join(root, p));

/** The newest modification time under `path` (a file or a directory tree). */
function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

function consoleIsStale(): boolean {
  const index = join(CONSOLE_DIST, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return CONSOLE_SOURCES.some((source) => existsSync(source) && newest(source) > built);
}

const app = new App();
const skip = app.node.tryGetContext(SKIP_BUNDLING_CONTEXT);
if (skip !== true && skip !== 'true' && consoleIsStale()) {
  const build = await buildConsole();
  process.stderr.write(`console built into ${build.outDir} (first load ${build.firstLoadGzipBytes} bytes gzipped)\n`);
}
buildApp(app);
