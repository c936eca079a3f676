/**
 * `npm run bench`: the figures asked for in the issues, from one run.
 * Options: --quick (smaller sizes, for a smoke run), --json, --stream (adds
 * the streaming-ingest benchmark, bench/ingest-stream.ts: a 1,000,000-record
 * CSV; it takes several minutes, most of them DynamoDB Local writing the
 * end-to-end part, so it is not in the default run).
 */
import { benchBundles, formatBundles } from './bundles.ts';
import { benchConsole, formatConsole } from './console.ts';
import { benchConsoleUpload, formatConsoleUpload } from './console-upload.ts';
import { benchEvaluate } from './evaluate.ts';
import { benchIngest } from './ingest.ts';
import { benchIngestStream, type StreamBenchStep } from './ingest-stream.ts';
import { benchLayout, formatLayout } from './layout.ts';
import { benchLedger } from './ledger-dynamo.ts';
import { benchReport } from './report.ts';
import { benchVerifyExport } from './verify-export.ts';
import { benchWitness } from './witness.ts';
import { benchXlsxIntake, formatXlsxIntake } from './xlsx-intake.ts';

const quick = process.argv.includes('--quick');
const json = process.argv.includes('--json');
const withStream = process.argv.includes('--stream');
const fmt = (n: number, digits = 1) => n.toFixed(digits);

const verify = await benchVerifyExport(quick ? 10_000 : 100_000, quick ? 2 : 5);
const ledger = await benchLedger(quick ? { appendEntries: 100, sizes: [200, 1_000] } : {});
const ingest = await benchIngest(quick ? { records: 2_000, rounds: 1 } : { records: 10_000, rounds: 2 });
const evaluation = await benchEvaluate(quick ? { participants: [5_000, 10_000] } : {});
const report = await benchReport(quick ? { participants: 2_000 } : {});
const witness = await benchWitness(quick ? { requests: 50 } : {});
const xlsx = await benchXlsxIntake(quick ? { records: 2_000, runs: 1 } : {});
const bundles = await benchBundles(quick ? { runs: 3 } : {});
const layout = await benchLayout(quick ? { runs: 3 } : {});
const webConsole = await benchConsole(quick ? { loads: 3, verifies: 3 } : {});
const consoleUpload = await benchConsoleUpload(quick ? { records: 2_000, runs: 1 } : {});
const stream = withStream
  ? await benchIngestStream(quick ? { records: 100_000, endToEndRecords: 10_000 } : { endToEndRecords: 100_000 })
  : undefined;

if (json) {
  process.stdout.write(
    `${JSON.stringify({ verify, ledger, ingest, evaluation, report, witness, xlsx, bundles, layout, webConsole, consoleUpload, stream }, null, 2)}\n`,
  );
} else {
  const mb = verify.bytes / 1e6;
  console.log(
    `Offline verification of a ${verify.entries.toLocaleString('en')}-entry export (${fmt(mb)} MB), best of runs:`,
  );
  console.log(`  raw SHA-256 of every entry line      ${fmt(verify.sha256PerLineMs)} ms`);
  console.log(`  sib verification (hashes, chain, tree, signature)  ${fmt(verify.verifyMs)} ms`);
  console.log(
    `  ratio raw/verify                     ${fmt(verify.sha256PerLineMs / verify.verifyMs, 3)}  (target >= 0.5)`,
  );
  console.log(
    `  for reference: one SHA-256 over the whole file ${fmt(verify.sha256WholeMs)} ms (ratio ${fmt(verify.sha256WholeMs / verify.verifyMs, 3)})`,
  );
  console.log('\nAppend throughput into DynamoDB Local (file-backed):');
  for (const a of ledger.appendPerSecond) {
    console.log(
      `  ${a.writers} writer${a.writers > 1 ? 's' : ' '}  ${a.entries} entries in ${fmt(a.seconds, 2)} s = ${fmt(a.perSecond)} entries/s`,
    );
  }
  console.log('\nItem reads per proof (stored Merkle nodes; HEAD read included):');
  for (const r of ledger.readsPerProof) {
    console.log(
      `  ${r.size.toLocaleString('en')} entries (log2 = ${fmt(r.log2)}): inclusion max ${r.inclusionMax}, mean ${fmt(r.inclusionMean)}; consistency max ${r.consistencyMax}`,
    );
  }
  console.log(
    `\nEvidence ingestion: a ${ingest.records.toLocaleString('en')}-record batch into DynamoDB Local (file-backed), best of runs:`,
  );
  console.log(`  raw BatchWriteItem of as many same-sized items  ${fmt(ingest.rawMs)} ms`);
  console.log(`  ingest use case (validate, pseudonymise, check, archive, write, append)  ${fmt(ingest.ingestMs)} ms`);
  console.log(
    `  ratio raw/ingest  ${fmt(ingest.ratio, 3)}  (target >= 0.8); ${fmt(ingest.recordsPerSecond, 0)} records/s`,
  );
  console.log('\nEvaluation in-process (evaluate(): timelines, metrics, comparisons, payments, canonical result):');
  for (const s of evaluation.steps) {
    console.log(
      `  ${s.participants.toLocaleString('en').padStart(7)} participants, ${s.events.toLocaleString('en').padStart(9)} events: ${fmt(s.evaluateSeconds, 2)} s (records ${fmt(s.addSeconds, 2)} s, finish ${fmt(s.finishSeconds, 2)} s) = ${fmt(s.eventsPerSecond, 0)} events/s; peak RSS ${fmt(s.peakRssMb, 0)} MB; result ${fmt(s.resultBytes / 1e6, 1)} MB, ${s.outcomeLines.toLocaleString('en')} outcome lines`,
    );
  }
  console.log(`  twice the data costs ${fmt(evaluation.doublingRatio, 2)}x the time (target <= 2.3)`);
  console.log(
    `\nAudit report of a payment evaluated over ${report.participants.toLocaleString('en')} participants (${report.records.toLocaleString('en')} records; evaluation ${fmt(report.evaluateSeconds, 2)} s):`,
  );
  console.log(
    `  issue (proofs, signed JSON ${fmt(report.jsonBytes / 1e3, 1)} kB, Russian PDF ${fmt(report.pdfBytes / 1e3, 1)} kB)  ${fmt(report.issueSeconds * 1000, 0)} ms`,
  );
  console.log(
    `  offline verification (${report.checks} checks, every amount recomputed)  ${fmt(report.verifySeconds * 1000, 1)} ms: ${report.ok ? 'OK' : 'FAILED'}`,
  );
  console.log(
    `\nWitness add-checkpoint (sib witness serve over HTTP on localhost, state fsynced; ${witness.requests} checkpoints, ${witness.entriesPerCheckpoint} entries apart):`,
  );
  console.log(
    `  latency mean ${fmt(witness.meanMs, 2)} ms, p50 ${fmt(witness.p50Ms, 2)} ms, p95 ${fmt(witness.p95Ms, 2)} ms, max ${fmt(witness.maxMs, 2)} ms; cosignatures verified ${witness.cosigned} of ${witness.requests}`,
  );
  console.log(`\n${formatXlsxIntake(xlsx).join('\n')}`);
  console.log(`\n${formatBundles(bundles).join('\n')}`);
  console.log(`\n${formatLayout(layout).join('\n')}`);
  console.log(`\n${formatConsole(webConsole)}`);
  console.log(`\n${formatConsoleUpload(consoleUpload)}`);
  if (stream) {
    const { file, heap } = stream;
    const step = (name: string, s: StreamBenchStep) =>
      console.log(
        `  ${name.padEnd(44)} ${s.records.toLocaleString('en').padStart(9)} records in ${fmt(s.seconds)} s = ${fmt(s.recordsPerSecond, 0)} records/s; peak RSS ${fmt(s.peakRssMb, 0)} MB (target < 512)`,
      );
    console.log(
      `\nStreaming ingest of a ${file.records.toLocaleString('en')}-record CSV (${fmt(file.bytes / 1e6)} MB, ${file.participants.toLocaleString('en')} participants); V8 heap ${heap.config} (${heap.flags.join(' ') || 'Node defaults'}):`,
    );
    step('passes 1-2: count, validate, hash', stream.scan);
    step('all passes, ports without I/O', stream.pipeline);
    if (stream.endToEnd) {
      step(`end to end into DynamoDB Local (${stream.endToEnd.dynamodb})`, stream.endToEnd);
      const phases = Object.entries(stream.endToEnd.phases).map(([p, s]) => `${p} ${fmt(s)} s`);
      console.log(`    end-to-end phases: ${phases.join(', ')}`);
    }
  } else {
    console.log('\nStreaming ingest (1,000,000-record CSV): not run; add --stream (several minutes).');
  }
}

// --load: 200 clients mixing reads and writes against the local gateway for 60 s (bench/load.ts); over a minute.
if (process.argv.includes('--load')) {
  const { assertLoadOk, benchLoad, formatLoad } = await import('./load.ts');
  const load = await benchLoad(quick ? { clients: 50, seconds: 15 } : {});
  console.log(json ? JSON.stringify({ load }, null, 2) : `\n${formatLoad(load).join('\n')}`);
  assertLoadOk(load);
} else if (!json) {
  console.log('\nLoad (200 clients mixing reads and writes for 60 s): not run; add --load (over a minute).');
}
