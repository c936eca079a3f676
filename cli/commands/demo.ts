/**
 * `sib demo` (npm run demo, npm start): the main job. Starts the local stack
 * and the HTTP API if needed, runs a scenario through the API as the four
 * roles (each subject with its own token), verifies everything, and stops
 * what it started (or, with --serve, keeps the API up until Ctrl-C).
 *
 * The Second Chance scenario (cli/demo/): the ministry registers the
 * contract; the operator enrols a synthetic cohort batch by batch and
 * submits a batch with mistakes, which is rejected with its problem table;
 * for each period the evaluator evaluates and attests, the ministry approves
 * (an audit report is issued) and records the payment; the stack pushes
 * each new checkpoint to the evaluator's witness, a C2SP tlog-witness
 * server (`sib witness serve`), which cosigns it; the investor downloads the
 * final report, fetches the deployment's trust policy and verifies the report
 * offline against it; the log is verified. All idempotent, so
 * re-runs add nothing. The Antares and Qarmet scenarios are in scenarios/.
 *
 * With --serve (npm start) the gateway also serves the web console (built
 * first if console/dist is missing), and after the scenario the Antares
 * pilot leaves a payment attested and awaiting the ministry's decision
 * (cli/demo/console-work.ts), so a person signing in has work to do.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { IntegrityError } from '#kernel';
import { logVerifierKey } from '#ledger';
import type { DynamoLedger } from '../../functions/adapters/dynamo-ledger.ts';
import { LocalSigner } from '../../functions/adapters/local-signer.ts';
import { DEFAULT_CONSOLE_DIR } from '../../infra/local/console-files.ts';
import { announceGateway, type Gateway, startGateway } from '../../infra/local/gateway.ts';
import { dataDir, stackDown, stackUp } from '../../infra/local/stack.ts';
import { runAntares } from '../../scenarios/antares/run.ts';
import { ANTARES_CONTRACT, QARMET_CONTRACT } from '../../scenarios/programmes.ts';
import { runQarmet } from '../../scenarios/qarmet/run.ts';
import { ledgerFor } from '../context.ts';
import { auditReport, startDemoWitness, witnessKey } from '../demo/audit.ts';
import { clientsFor, DEMO_CONTRACT, MINISTRY, olderDataDir } from '../demo/cast.ts';
import { type ConsoleFiles, consoleFilesGuide, leaveFilesForTheOperator } from '../demo/console-files.ts';
import { type ConsoleWork, leaveWorkForTheMinistry } from '../demo/console-work.ts';
import { enrolCohort, registerContract } from '../demo/enrolment.ts';
import { checkLog } from '../demo/log-checks.ts';
import { type PartyKeys, partyKeys, partyKeysEnv } from '../demo/parties.ts';
import { runPeriods } from '../demo/periods.ts';
import { printSummary } from '../demo/summary.ts';
import { runAction, usage } from '../errors.ts';
import { say } from '../output.ts';
import type { RunningWitness } from '../witness/server.ts';
import { envPort } from './stack.ts';

const SCENARIOS = ['second-chance', 'antares', 'qarmet'] as const;
type Scenario = (typeof SCENARIOS)[number];

export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'the main job: start the local stack and the HTTP API if needed, run a scenario through the API as the four roles, verify everything',
    )
    .option(
      '--serve',
      'keep the API and the stack up until Ctrl-C (npm start); otherwise stop what was started (npm run demo)',
    )
    .option(
      '--scenario <name>',
      'second-chance (the Second Chance SIB, default), antares (the Antares A pilot) or qarmet (the Qarmet pilot)',
      'second-chance',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  npm start\n  npm start -- --scenario antares\n  npx sib demo --scenario qarmet\n\nExit status: 0 only if everything verified, 1 otherwise, 2 usage error.',
    )
    .action(
      runAction(async (opts: { serve?: boolean; scenario: string }) => {
        if (!(SCENARIOS as readonly string[]).includes(opts.scenario)) {
          throw usage(`--scenario must be second-chance, antares or qarmet, not ${opts.scenario}`);
        }
        if (!(await runDemo({ serve: opts.serve === true, scenario: opts.scenario as Scenario }))) {
          process.exitCode = 1;
        }
      }),
    );
}

async function runDemo(options: { serve: boolean; scenario: Scenario }): Promise<boolean> {
  const dir = dataDir();
  const dynamoPort = envPort('SIB_DYNAMO_PORT');
  const s3Port = envPort('SIB_S3_PORT');
  const apiPort = envPort('SIB_API_PORT');
  const up = await stackUp({
    dataDir: dir,
    ...(dynamoPort === undefined ? {} : { dynamoPort }),
    ...(s3Port === undefined ? {} : { s3Port }),
  });
  const startedHere = up.status === 'started';
  for (const m of up.messages) say(m);
  process.env.SIB_DATA_DIR ??= dir;
  const { store, client } = ledgerFor(up.stack);
  let gateway: Gateway | undefined;
  let witnessServer: RunningWitness | undefined;
  let ok = false;
  try {
    // A log whose HEAD an older version kept elsewhere cannot be continued: say so before anything runs.
    for (const contract of [DEMO_CONTRACT, ANTARES_CONTRACT, QARMET_CONTRACT]) {
      await store.head(contract).catch((error: unknown) => {
        throw error instanceof IntegrityError ? olderDataDir(error.message) : error;
      });
    }
    const signer = await LocalSigner.open({ dataDir: dir });
    const key = await logVerifierKey(signer, DEMO_CONTRACT);
    // The evaluator's witness key: reports name the witnesses whose keys the API knows (SIB_WITNESS_KEYS).
    const witness = await witnessKey(dir);
    process.env.SIB_WITNESS_KEYS = witness.verifierKey;
    // Each deciding subject's own key: the deployment publishes them (SIB_PARTY_KEYS), every decision is signed.
    const parties = await partyKeys(dir);
    process.env.SIB_PARTY_KEYS = partyKeysEnv(parties);
    // The evaluator's witness runs as a C2SP tlog-witness server; the stack pushes each new checkpoint to it.
    witnessServer = await startDemoWitness(dir, witness, signer);
    process.env.SIB_WITNESS_URLS = witnessServer.url;
    say(`The evaluator's witness (sib witness serve) is up at ${witnessServer.url}`);
    // The handlers run in this process: their JSON logs and metrics would drown the scenario's story.
    process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
    process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
    // The web console only with --serve: `npm run demo` stays as it was.
    if (options.serve) await buildConsoleIfMissing();
    gateway = await startGateway({ dataDir: dir, port: apiPort ?? 0, consoleDir: options.serve ? undefined : false });
    say(`\nThe HTTP API is up at ${gateway.url} (OpenAPI: ${gateway.url}/openapi.json); log key (verifier): ${key}`);
    if (gateway.servesConsole) say(`The web console: ${gateway.url}/`);
    say(
      `Each deciding party signs with its own key (SIB_PARTY_KEYS): ${Object.entries(parties)
        .map(([role, k]) => `${role} ${k.verifierKey}`)
        .join(', ')}`,
    );
    ok =
      options.scenario === 'second-chance'
        ? await secondChance(dir, gateway.url, store, { key, witness, parties }, options.serve)
        : await (options.scenario === 'antares' ? runAntares : runQarmet)({ dataDir: dir, url: gateway.url, say });
    if (options.serve) {
      const work = await leaveWorkForTheMinistry(dir, gateway.url).catch((error: unknown) => {
        say(`\nCould not leave a payment for the console to decide: ${(error as Error).message}`);
        return undefined;
      });
      const files = await leaveFilesForTheOperator(dir, gateway.url).catch((error: unknown) => {
        say(`\nCould not leave evidence files for the console's operator: ${(error as Error).message}`);
        return undefined;
      });
      await serve(dir, gateway.url, gateway.servesConsole, work, files);
    }
  } finally {
    await gateway?.close();
    await witnessServer?.close();
    client.destroy();
    if (startedHere) for (const m of (await stackDown(dir)).messages) say(m);
  }
  return ok;
}

/** The Second Chance scenario through the API (cli/demo/), then the log's checks: whether everything verified. */
async function secondChance(
  dir: string,
  url: string,
  store: DynamoLedger,
  keys: { key: string; witness: Awaited<ReturnType<typeof witnessKey>>; parties: PartyKeys },
  serving = false,
): Promise<boolean> {
  const clients = await clientsFor(dir, url);
  await registerContract(clients);
  const cohort = await enrolCohort(clients);
  // Served (npm start), the final payment is left attested for an official to decide in the console.
  const periods = await runPeriods(clients, keys.parties, { leaveLastAttested: serving });
  const last = periods.payments.at(-1);
  const reported = last === undefined ? false : await auditReport(clients, dir, last, keys.witness);
  const logOk = await checkLog(clients, store, dir, keys.key);
  const summaryOk = await printSummary(clients, cohort.submitted);
  const ok = logOk && cohort.ok && summaryOk && periods.ok && reported;
  say(`\n${ok ? 'Everything verified.' : 'VERIFICATION FAILED.'}`);
  say(
    `Try: npx sib ledger verify --contract ${DEMO_CONTRACT}    npx sib report verify ${join(dir, 'reports')}/<file>.json --trust ${join(dir, 'trust', `${DEMO_CONTRACT}.json`)}`,
  );
  return ok;
}

/** Builds the web console into console/dist unless it is there (npm start builds it first anyway). */
async function buildConsoleIfMissing(): Promise<void> {
  if (existsSync(join(DEFAULT_CONSOLE_DIR, 'index.html'))) return;
  say('Building the web console (console/dist)...');
  try {
    const { buildConsole } = await import('../../console/build.ts');
    await buildConsole();
  } catch (error) {
    say(`The web console could not be built (${(error as Error).message}): the API is served without it.`);
  }
}

/** Keeps the API (and the console) up, announced to the role commands, until Ctrl-C or SIGTERM. */
async function serve(
  dir: string,
  url: string,
  servesConsole: boolean,
  work: ConsoleWork | undefined,
  files: ConsoleFiles | undefined,
): Promise<void> {
  const unannounce = await announceGateway(dir, url);
  if (work !== undefined) {
    say(
      work.awaiting === undefined
        ? `\nNothing awaits a decision on ${work.contract} (${work.note ?? 'no payment'}).`
        : `\nPayment ${work.contract}/${work.awaiting.payment} is attested by the evaluator and awaits the ministry's decision.`,
    );
  }
  if (servesConsole) {
    say(
      `The web console: ${url}/  sign in (development sign-in) as ${MINISTRY.sub} (ministry) to decide the Second Chance final payment${work?.awaiting === undefined ? '' : `, as ${work.subject} for the Antares one`}, or as any subject the sign-in page suggests.`,
    );
    if (files !== undefined) for (const line of consoleFilesGuide(files)) say(line);
  }
  say(
    `\nThe HTTP API is serving at ${url} (OpenAPI ${url}/openapi.json; tokens: npx sib login --as <role> --contract ${DEMO_CONTRACT}). Press Ctrl-C to stop.`,
  );
  // A signal listener alone does not keep Node running: a timer does, until the signal.
  const keepAlive = setInterval(() => {}, 60_000);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(keepAlive);
  // npm forwards the terminal's Ctrl-C too: let a second signal not cut the shutdown short.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  await unannounce();
  say('');
}
